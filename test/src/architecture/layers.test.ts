import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { repoRoot } from '../support/tools.js';

/*
 * The layering rules of CONTRIBUTING.md, checked on the source: what each workspace imports
 * from the others. A rule broken here is an architecture change to make on purpose, not by accident.
 */
const WORKSPACE_OF: Record<string, string> = {};
for (const kind of ['apps', 'libs']) {
  for (const dir of readdirSync(join(repoRoot, kind))) {
    const manifest = join(repoRoot, kind, dir, 'package.json');
    try {
      WORKSPACE_OF[(JSON.parse(readFileSync(manifest, 'utf8')) as { name: string }).name] = `${kind}/${dir}`;
    } catch {
      // not a workspace
    }
  }
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(path) && !path.endsWith('.test.ts') ? [path] : [];
  });
}

/** Workspaces (apps/x, libs/y) that the non-test source of `workspace` imports. */
function importsOf(workspace: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of sourceFiles(join(repoRoot, workspace, 'src'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(@wharf\/[a-z-]+)/g)) {
      const target = WORKSPACE_OF[match[1]!];
      if (target && target !== workspace) found.set(target, relative(repoRoot, file));
    }
  }
  return found;
}

const workspaces = Object.values(WORKSPACE_OF).sort();

describe('layers', () => {
  test('the workspaces are found', () => {
    assert.ok(workspaces.includes('apps/registry') && workspaces.includes('libs/registry-core'), workspaces.join(', '));
  });

  for (const workspace of workspaces) {
    test(`${workspace} imports only what its layer may`, () => {
      for (const [target, file] of importsOf(workspace)) {
        const where = `${file} imports ${target}`;
        assert.ok(!target.startsWith('apps/'), `no workspace imports an app (${where})`);
        if (workspace === 'libs/registry-core') assert.equal(target, 'libs/events', `registry-core stays framework-free (${where})`);
        if (workspace === 'libs/events') assert.fail(`libs/events imports nothing (${where})`);
        if (workspace === 'apps/dashboard') assert.fail(`the dashboard reaches data only through the API over HTTP (${where})`);
        if (workspace === 'apps/registry') {
          assert.ok(!['libs/db', 'libs/search'].includes(target), `the registry's request path has no database or search client (${where})`);
        }
      }
    });
  }

  test('registry-core does not touch the filesystem or a framework', () => {
    for (const file of sourceFiles(join(repoRoot, 'libs/registry-core/src'))) {
      const text = readFileSync(file, 'utf8');
      assert.doesNotMatch(text, /from 'node:fs/, `${relative(repoRoot, file)} uses fs: storage goes through the StorageDriver`);
      assert.doesNotMatch(text, /from '@nestjs\//, `${relative(repoRoot, file)} imports Nest`);
    }
  });
});
