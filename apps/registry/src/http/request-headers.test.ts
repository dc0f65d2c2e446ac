import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RegistryError } from '@wharf/registry-core';
import { parseAccept, parseByteRange, parseContentRange } from './request-headers.js';

const rangeInvalid = (e: unknown) => e instanceof RegistryError && e.status === 416 && e.code === 'BLOB_UPLOAD_INVALID';

describe('parseByteRange', () => {
  test('inclusive ranges, open ends and suffixes', () => {
    assert.deepEqual(parseByteRange('bytes=10-99', 1000), { start: 10, end: 99 });
    assert.deepEqual(parseByteRange('bytes=10-', 1000), { start: 10, end: 999 });
    assert.deepEqual(parseByteRange('bytes=-100', 1000), { start: 900, end: 999 });
    assert.deepEqual(parseByteRange('bytes=0-5000', 1000), { start: 0, end: 999 });
  });
  for (const bad of ['bytes=1000-', 'bytes=5-2', 'bytes=-0', 'bytes=-', 'items=0-1', 'bytes=0-1,5-6']) {
    test(`${bad} is unsatisfiable`, () => assert.equal(parseByteRange(bad, 1000), 'unsatisfiable'));
  }
});

describe('parseContentRange', () => {
  test('the spec form', () => {
    assert.deepEqual(parseContentRange('0-1023'), { start: 0, end: 1023 });
    assert.equal(parseContentRange(undefined), undefined);
  });
  for (const bad of ['a-b', 'bytes 0-99/100', '0-', '-5']) {
    test(`${bad} is 416 BLOB_UPLOAD_INVALID`, () => assert.throws(() => parseContentRange(bad), rangeInvalid));
  }
});

describe('parseAccept', () => {
  test('splits, lowers and drops parameters', () => {
    assert.deepEqual(parseAccept(['application/vnd.oci.image.index.v1+json;q=0.5, */*', 'Application/JSON']), [
      'application/vnd.oci.image.index.v1+json',
      '*/*',
      'application/json',
    ]);
  });
});
