import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RegistryError } from '../errors/registry-error.js';
import { pageSize, paginate, parsePageSize } from './pagination.js';

describe('paginate', () => {
  const names = ['a', 'b', 'c', 'd', 'e'];
  test('walks every entry exactly once', () => {
    const seen: string[] = [];
    let last: string | undefined;
    for (;;) {
      const page = paginate(names, last, 2);
      seen.push(...page.items);
      if (page.next === undefined) break;
      last = page.next;
    }
    assert.deepEqual(seen, names);
  });
  test('n=0 gives an empty page with no next', () => assert.deepEqual(paginate(names, undefined, 0), { items: [], next: undefined }));
  test('last past the end gives nothing', () => assert.deepEqual(paginate(names, 'z', 5).items, []));
  test('an n above the configured maximum is PAGINATION_NUMBER_INVALID, as registry:2 answers', () => {
    assert.equal(pageSize(3, 3, 100), 3);
    assert.equal(pageSize(undefined, 3, 1), 1);
    assert.throws(() => pageSize(4, 3, 1), (e: unknown) => e instanceof RegistryError && e.code === 'PAGINATION_NUMBER_INVALID' && (e.detail as { n: number }).n === 4);
  });
  test('n must be a number', () => {
    assert.equal(parsePageSize('10'), 10);
    assert.throws(() => parsePageSize('-1'), (e: unknown) => e instanceof RegistryError && e.code === 'PAGINATION_NUMBER_INVALID');
    assert.throws(() => parsePageSize('ten'), RegistryError);
  });
});
