import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { retryDelayMs } from './retry-delay.js';

describe('retryDelayMs', () => {
  const mid = () => 0.5;

  test('doubles from the first wait up to the cap', () => {
    const backoff = { initialMs: 1_000, maxMs: 30_000 };
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 100].map((a) => retryDelayMs(a, backoff, mid)), [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    assert.equal(retryDelayMs(0, backoff, mid), 1_000, 'attempt 0 reads as the first');
  });

  test('spreads each wait by the jitter, never past the cap', () => {
    assert.equal(retryDelayMs(1, { initialMs: 1_000, maxMs: 30_000 }, () => 0), 800);
    assert.equal(retryDelayMs(1, { initialMs: 1_000, maxMs: 30_000 }, () => 1), 1_200);
    assert.equal(retryDelayMs(1, { initialMs: 1_000, maxMs: 30_000, jitter: 0.1 }, () => 0), 900);
    assert.equal(retryDelayMs(10, { initialMs: 1_000, maxMs: 30_000 }, () => 1), 30_000);
  });
});
