import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MINIMAL, parse, rejects } from './config.test-helpers.js';

describe('limits', () => {
  const defaults = {
    maxHeaderBytes: 16_384,
    maxManifestBytes: 4 * 1024 * 1024,
    headerTimeoutMs: 20_000,
    bodyIdleTimeoutMs: 60_000,
    uploadExpiryMs: 24 * 3_600_000,
  };

  test('defaults a public registry can live with, also for an empty section', () => {
    assert.deepEqual(parse(MINIMAL).limits, defaults);
    assert.deepEqual(parse(`${MINIMAL}limits:\n`).limits, defaults);
  });

  test('every key', () => {
    const config = parse(`${MINIMAL}limits:
  maxheaderbytes: 32768
  maxmanifestbytes: 8388608
  headertimeout: 5s
  bodyidletimeout: 2m
  uploadexpiry: 1h30m
`);
    assert.deepEqual(config.limits, {
      maxHeaderBytes: 32_768,
      maxManifestBytes: 8_388_608,
      headerTimeoutMs: 5_000,
      bodyIdleTimeoutMs: 120_000,
      uploadExpiryMs: 5_400_000,
    });
  });

  test('0 turns the body idle timeout and upload expiry off; REGISTRY_LIMITS_* overrides apply', () => {
    const config = parse(`${MINIMAL}limits:\n  bodyidletimeout: 0s\n`, { REGISTRY_LIMITS_UPLOADEXPIRY: '0', REGISTRY_LIMITS_MAXHEADERBYTES: '8192' });
    assert.equal(config.limits.bodyIdleTimeoutMs, 0);
    assert.equal(config.limits.uploadExpiryMs, 0);
    assert.equal(config.limits.maxHeaderBytes, 8192);
  });

  test('refused values name the key', () => {
    rejects(`${MINIMAL}limits:\n  maxmanifestbytes: 1000\n`, {}, /^limits\.maxmanifestbytes: /m);
    rejects(`${MINIMAL}limits:\n  maxheaderbytes: 10\n`, {}, /^limits\.maxheaderbytes: /m);
    rejects(`${MINIMAL}limits:\n  headertimeout: 0s\n`, {}, /^limits\.headertimeout: must be greater than zero$/m);
    rejects(`${MINIMAL}limits:\n  bodyidletimeout: soon\n`, {}, /^limits\.bodyidletimeout: /m);
    rejects(`${MINIMAL}limits:\n  maxbodybytes: 10\n`, {}, /^limits\.maxbodybytes: unknown key/m);
  });
});
