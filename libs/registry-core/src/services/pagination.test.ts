import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RegistryError } from '../errors/registry-error.js';
import { paginate, parsePageSize } from './pagination.js';

describe('paginate', () => {
  const names = ['a', 'b', 'c', 'd', 'e'];
  test('walks every entry exactly once', () => {
    const seen: string[] = [];
    let last: string | undefined;
    for (;;) {
      const page = paginate(names, { n: 2, last });
      seen.push(...page.items);
      if (page.next === undefined) break;
      last = page.next;
    }
    assert.deepEqual(seen, names);
  });
  test('n=0 gives an empty page with no next', () => assert.deepEqual(paginate(names, { n: 0 }), { items: [], next: undefined }));
  test('last past the end gives nothing', () => assert.deepEqual(paginate(names, { last: 'z' }).items, []));
  test('n is capped at the limit', () => assert.equal(paginate(names, { n: 1000 }, 3).items.length, 3));
  test('n must be a number', () => {
    assert.equal(parsePageSize('10'), 10);
    assert.throws(() => parsePageSize('-1'), (e: unknown) => e instanceof RegistryError && e.code === 'PAGINATION_NUMBER_INVALID');
    assert.throws(() => parsePageSize('ten'), RegistryError);
  });
});
