import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryDelayMs } from './retry-delay.js';

describe('retryDelayMs', () => {
  it('doubles from the initial delay and stops at the cap', () => {
    const mid = (): number => 0.5; // no jitter
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 100].map((a) => retryDelayMs(a, 1_000, 30_000, mid)), [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('jitters within ±20% and never beyond the cap', () => {
    assert.equal(retryDelayMs(1, 1_000, 30_000, () => 0), 800);
    assert.equal(retryDelayMs(1, 1_000, 30_000, () => 1), 1_200);
    assert.equal(retryDelayMs(10, 1_000, 30_000, () => 1), 30_000);
  });
});
