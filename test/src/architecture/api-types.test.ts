import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { run } from '../support/exec.js';
import { repoRoot } from '../support/tools.js';

/*
 * The dashboard's API types are generated from the API's OpenAPI document, never written by hand:
 * the committed apps/dashboard/src/lib/api.generated.ts must be exactly what the document gives.
 */
test('the dashboard\'s API types are what the API\'s OpenAPI document says', async () => {
  const result = await run(process.execPath, [join(repoRoot, 'scripts', 'api-types.mjs'), '--check'], { allowFailure: true, timeoutMs: 60_000 });
  assert.equal(result.code, 0, `${result.stderr}${result.stdout}`);
});
