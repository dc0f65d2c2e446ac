import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { retryDelayMs } from '@wharf/queue';
import { deliveryBackoff } from './webhook-delivery.processor.js';

describe('webhook delivery backoff', () => {
  test('doubles from webhooks.backoff up to webhooks.maxbackoff, ±10%', () => {
    const backoff = deliveryBackoff({ backoffMs: 1_000, maxBackoffMs: 10_000 });
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, backoff, () => 0.5)), [1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
    assert.equal(retryDelayMs(1, backoff, () => 0), 900);
    assert.equal(retryDelayMs(1, backoff, () => 1), 1_100);
  });

  test('the defaults (10s doubling to 1h, 10 attempts) wait about 85 minutes in all', () => {
    const backoff = deliveryBackoff({ backoffMs: 10_000, maxBackoffMs: 3_600_000 });
    const total = [1, 2, 3, 4, 5, 6, 7, 8, 9].reduce((sum, n) => sum + retryDelayMs(n, backoff, () => 0.5), 0);
    assert.equal(total, 5_110_000);
  });
});
