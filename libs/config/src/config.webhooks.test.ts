import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MINIMAL, parse, rejects } from './config.test-helpers.js';

const DEFAULTS = {
  timeoutMs: 10_000,
  maxAttempts: 10,
  backoffMs: 10_000,
  maxBackoffMs: 3_600_000,
  failureThreshold: 5,
  concurrency: 10,
  subscriptionCacheMs: 2_000,
  allowPrivate: false,
};

describe('webhooks', () => {
  test('defaults: 10s timeout, 10 attempts, backoff 10s doubling up to 1h, failing after 5 in a row', () => {
    assert.deepEqual(parse(MINIMAL).webhooks, DEFAULTS);
    assert.deepEqual(parse(`${MINIMAL}webhooks:\n`).webhooks, DEFAULTS);
  });

  test('every key, as durations and integers', () => {
    const config = parse(`${MINIMAL}webhooks:
  timeout: 2s
  maxattempts: 3
  backoff: 250ms
  maxbackoff: 5m
  failurethreshold: 2
  concurrency: 4
  subscriptioncache: 0s
  allowprivate: true
`);
    assert.deepEqual(config.webhooks, {
      timeoutMs: 2_000,
      maxAttempts: 3,
      backoffMs: 250,
      maxBackoffMs: 300_000,
      failureThreshold: 2,
      concurrency: 4,
      subscriptionCacheMs: 0,
      allowPrivate: true,
    });
  });

  test('a backoff longer than the default cap raises the cap with it', () => {
    assert.equal(parse(`${MINIMAL}webhooks:\n  backoff: 2h\n`).webhooks.maxBackoffMs, 7_200_000);
  });

  test('env overrides apply', () => {
    const config = parse(MINIMAL, { REGISTRY_WEBHOOKS_MAXATTEMPTS: '4', REGISTRY_WEBHOOKS_TIMEOUT: '3s' });
    assert.equal(config.webhooks.maxAttempts, 4);
    assert.equal(config.webhooks.timeoutMs, 3_000);
  });

  test('unknown keys and out-of-range values stop start-up with the key named', () => {
    rejects(`${MINIMAL}webhooks:\n  retries: 5\n`, {}, /retries/);
    rejects(`${MINIMAL}webhooks:\n  signing:\n    secret: s\n`, {}, /signing/);
    rejects(`${MINIMAL}webhooks:\n  maxattempts: 0\n`, {}, /webhooks\.maxattempts/);
    rejects(`${MINIMAL}webhooks:\n  timeout: 0s\n`, {}, /webhooks\.timeout: must be greater than zero/);
    rejects(`${MINIMAL}webhooks:\n  timeout: soon\n`, {}, /webhooks\.timeout/);
    rejects(`${MINIMAL}webhooks:\n  backoff: 1m\n  maxbackoff: 10s\n`, {}, /webhooks\.maxbackoff: must not be shorter than backoff/);
    rejects(`${MINIMAL}webhooks:\n  concurrency: many\n`, {}, /webhooks\.concurrency/);
  });
});
