import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RegistryError } from './errors/registry-error.js';
import { assertRepositoryName, isValidRepositoryName, isValidTag, parseManifestReference } from './reference.js';

describe('repository names', () => {
  for (const good of ['library/ubuntu', 'team/app/api', 'a', 'a-b', 'a--b', 'a_b', 'a__b', 'a.b', 'x/y.z_w-v', '0/1/2']) {
    test(`accepts ${good}`, () => assert.equal(isValidRepositoryName(good), true));
  }
  for (const bad of ['', 'Upper', 'a//b', '/a', 'a/', '..', 'a/../b', '-a', 'a-', '.a', 'a.', 'a___b', 'a%2Fb', 'a b', 'a\u0000b', 'x'.repeat(256)]) {
    test(`refuses ${JSON.stringify(bad.slice(0, 20))}`, () => {
      assert.equal(isValidRepositoryName(bad), false);
      assert.throws(() => assertRepositoryName(bad), (e: unknown) => e instanceof RegistryError && e.code === 'NAME_INVALID');
    });
  }
});

describe('manifest references', () => {
  test('a tag', () => assert.deepEqual(parseManifestReference('v1.2.3'), { kind: 'tag', tag: 'v1.2.3' }));
  test('a digest', () => {
    const ref = parseManifestReference(`sha256:${'a'.repeat(64)}`);
    assert.equal(ref.kind, 'digest');
  });
  for (const bad of ['-bad', '.bad', 'x'.repeat(129), 'a\u0001b', 'a/b']) {
    test(`refuses tag ${JSON.stringify(bad.slice(0, 20))}`, () => {
      assert.equal(isValidTag(bad), false);
      assert.throws(() => parseManifestReference(bad), (e: unknown) => e instanceof RegistryError && e.code === 'TAG_INVALID');
    });
  }
  test('a malformed digest is DIGEST_INVALID, not a tag', () => {
    assert.throws(() => parseManifestReference('sha256:nothex'), (e: unknown) => e instanceof RegistryError && e.code === 'DIGEST_INVALID');
  });
});
