import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FailedLoginLimiter } from './failed-login.limiter.js';

describe('FailedLoginLimiter', () => {
  test('10 failures in a minute block the client until the oldest leaves the window', () => {
    let now = 1_000_000;
    const limiter = new FailedLoginLimiter({ maxFailures: 10, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 9; i++) {
      limiter.recordFailure('10.0.0.1');
      now += 1_000;
    }
    assert.equal(limiter.check('10.0.0.1'), undefined, 'nine failures are allowed');
    limiter.recordFailure('10.0.0.1');
    // First failure at 1_000_000, now is 1_009_000: it leaves the window at 1_060_000.
    assert.equal(limiter.check('10.0.0.1'), 51);
    assert.equal(limiter.check('10.0.0.2'), undefined, 'other clients are not affected');
    now = 1_059_999;
    assert.equal(limiter.check('10.0.0.1'), 1);
    now = 1_060_000;
    assert.equal(limiter.check('10.0.0.1'), undefined);
  });

  test('failures spread out over more than the window never block', () => {
    let now = 0;
    const limiter = new FailedLoginLimiter({ maxFailures: 3, windowMs: 1_000, now: () => now });
    for (let i = 0; i < 20; i++) {
      limiter.recordFailure('c');
      assert.equal(limiter.check('c'), undefined);
      now += 500;
    }
  });

  test('the number of tracked clients is bounded', () => {
    const limiter = new FailedLoginLimiter({ maxFailures: 1, maxClients: 2 });
    limiter.recordFailure('a');
    limiter.recordFailure('b');
    limiter.recordFailure('c');
    assert.equal(limiter.check('a'), undefined, 'the idlest client was forgotten');
    assert.ok(limiter.check('b')! > 0);
    assert.ok(limiter.check('c')! > 0);
  });
});
