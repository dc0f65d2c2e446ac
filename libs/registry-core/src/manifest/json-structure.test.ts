import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { jsonStructureProblem } from './json-structure.js';

describe('jsonStructureProblem', () => {
  const fine = [
    '{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}',
    '{"s":"a \\" quoted \\\\ } ] { [ , string","t":"\\u0022"}',
    '[{"x":1},{"x":1}]',
    '{}',
  ];
  for (const text of fine) test(`accepts ${text}`, () => assert.equal(jsonStructureProblem(text, 10), undefined));

  const bad: [string, string][] = [
    ['{"layers":[],"layers":[]}', 'duplicate key "layers"'],
    ['{"a":{"digest":"x","size":1,"digest":"y"}}', 'duplicate key "digest"'],
    ['{"a":1,"\\u0061":2}', 'duplicate key "a"'],
    ['{"l":[{"k":1,"k":2}]}', 'duplicate key "k"'],
    [`{"a":${'['.repeat(11)}${']'.repeat(11)}}`, 'nested deeper than 10 levels'],
  ];
  for (const [text, problem] of bad) test(`refuses ${text.slice(0, 40)}`, () => assert.equal(jsonStructureProblem(text, 10), problem));

  test('a 4 MiB manifest is scanned quickly', () => {
    const text = JSON.stringify({ layers: Array.from({ length: 20_000 }, (_, i) => ({ mediaType: 'm', digest: `sha256:${i}`, size: i, annotations: { k: 'v'.repeat(150) } })) });
    assert.ok(text.length > 4 * 1024 * 1024);
    const started = performance.now();
    assert.equal(jsonStructureProblem(text, 64), undefined);
    assert.ok(performance.now() - started < 1_000);
  });
});
