import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MINIMAL, parse, rejects } from './config.test-helpers.js';

const REDIS = 'redis:\n  addr: 127.0.0.1:6379\n';

describe('storage.cache.layerinfo, registry:2\'s older name for blobdescriptor', () => {
  for (const value of ['inmemory', 'redis'] as const) {
    test(`layerinfo: ${value} gives the very same settings as blobdescriptor: ${value}`, () => {
      const old = parse(`${MINIMAL}  cache:\n    layerinfo: ${value}\n${REDIS}`);
      const current = parse(`${MINIMAL}  cache:\n    blobdescriptor: ${value}\n${REDIS}`);
      assert.equal(old.storage.cache.blobDescriptor, value);
      assert.deepEqual(old, current);
    });
  }

  test('REGISTRY_STORAGE_CACHE_LAYERINFO sets it as REGISTRY_STORAGE_CACHE_BLOBDESCRIPTOR does', () => {
    const old = parse(`${MINIMAL}${REDIS}`, { REGISTRY_STORAGE_CACHE_LAYERINFO: 'redis' });
    const current = parse(`${MINIMAL}${REDIS}`, { REGISTRY_STORAGE_CACHE_BLOBDESCRIPTOR: 'redis' });
    assert.equal(old.storage.cache.blobDescriptor, 'redis');
    assert.deepEqual(old, current);
  });

  test('its rules are those of blobdescriptor, reported under the name that was used', () => {
    rejects(`${MINIMAL}  cache:\n    layerinfo: redis\n`, {}, /^storage\.cache\.layerinfo: the redis blob descriptor cache needs a redis section$/m);
    rejects(`${MINIMAL}  cache:\n    layerinfo: disk\n`, {}, /^storage\.cache\.layerinfo: expected one of: inmemory, redis$/m);
  });

  test('both names with one value is accepted; with two values it is refused, naming both', () => {
    const both = parse(`${MINIMAL}  cache:\n    blobdescriptor: inmemory\n    layerinfo: inmemory\n`);
    assert.equal(both.storage.cache.blobDescriptor, 'inmemory');
    rejects(
      `${MINIMAL}  cache:\n    blobdescriptor: inmemory\n    layerinfo: redis\n${REDIS}`,
      {},
      /^storage\.cache\.layerinfo: is the older name of storage\.cache\.blobdescriptor, which says inmemory: keep one of the two$/m,
    );
  });
});

describe('storage.rados, a driver registry:2 removed', () => {
  // The seed's RADOS example, its repeated `storage:` key folded into one section.
  const seed = [
    'version: 0.1',
    'storage:',
    '  cache:',
    '    layerinfo: inmemory',
    '  rados:',
    '    poolname: radospool',
    '    username: radosuser',
    '    chunksize: 4194304',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    '',
  ].join('\n');

  test('is refused by name, pointing at the S3 gateway through the s3 driver with regionendpoint', () => {
    const error = rejects(seed, {}, /^storage\.rados: the rados driver was removed from registry:2/m);
    assert.match(error.message, /RADOS Gateway's S3 API/);
    assert.match(error.message, /storage\.s3 section whose regionendpoint is the gateway's URL/);
    assert.doesNotMatch(error.message, /not supported yet/);
  });

  test('also when chosen through the environment', () => {
    rejects(MINIMAL, { REGISTRY_STORAGE: 'rados' }, /storage\.rados: the rados driver was removed from registry:2/);
  });
});
