import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCursor, encodeCursor } from './event-cursor.js';
import { SearchError } from './search.error.js';

const isInvalidCursor = (err: unknown): boolean => err instanceof SearchError && err.code === 'INVALID_CURSOR';

describe('event cursor', () => {
  it('round-trips and is opaque url-safe text', () => {
    const cursor = { sort: 'asc', after: [1763890877123, 'id-with/odd+chars'] } as const;
    const text = encodeCursor(cursor);
    assert.match(text, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(decodeCursor(text), cursor);
  });

  it('rejects anything it did not produce', () => {
    const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const bad of [
      '',
      'not a cursor!',
      'x'.repeat(2000),
      Buffer.from('{{{').toString('base64url'),
      b64([1, 2]),
      b64({ v: 2, s: 'asc', a: [1, 'a'] }),
      b64({ v: 1, s: 'sideways', a: [1, 'a'] }),
      b64({ v: 1, s: 'asc', a: ['1', 'a'] }),
      b64({ v: 1, s: 'asc', a: [1.5, 'a'] }),
      b64({ v: 1, s: 'asc', a: [1, ''] }),
      b64({ v: 1, s: 'asc', a: [1] }),
    ]) {
      assert.throws(() => decodeCursor(bad), isInvalidCursor, bad);
    }
  });
});
