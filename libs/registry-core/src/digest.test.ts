import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { digestBytes, parseDigest } from './digest.js';
import { RegistryError } from './errors/registry-error.js';

describe('parseDigest', () => {
  test('accepts sha256 and sha512 in canonical form', () => {
    const sha256 = digestBytes(Buffer.from('hello'));
    assert.equal(parseDigest(sha256.value).hex, sha256.hex);
    const sha512 = digestBytes(Buffer.from('hello'), 'sha512');
    assert.equal(parseDigest(sha512.value).algorithm, 'sha512');
    assert.equal(sha256.value, 'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
  });

  for (const bad of [
    'sha256:zz',
    'sha256:' + 'A'.repeat(64),
    'sha256:' + 'a'.repeat(63),
    'sha512:' + 'a'.repeat(64),
    'md5:d41d8cd98f00b204e9800998ecf8427e',
    'sha256',
    ':abc',
    'sha256:../../etc/passwd',
    '',
  ]) {
    test(`refuses ${JSON.stringify(bad.slice(0, 30))} with DIGEST_INVALID`, () => {
      assert.throws(() => parseDigest(bad), (err: unknown) => err instanceof RegistryError && err.code === 'DIGEST_INVALID' && err.status === 400);
    });
  }
});
