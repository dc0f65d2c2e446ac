import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { retryDelayMs } from './retry-backoff.js';
import { signWebhook, verifyWebhookSignature } from './webhook-signature.js';

describe('webhook signature', () => {
  test('sha256=hex(HMAC-SHA256(secret, "<timestamp>.<body>"))', () => {
    const expected = createHmac('sha256', 'k').update('1700000000.{"a":1}').digest('hex');
    assert.equal(signWebhook('k', 1_700_000_000, '{"a":1}'), `sha256=${expected}`);
  });

  test('the verification recipe accepts the signature and refuses tampering, other keys and stale timestamps', () => {
    const body = '{"a":1}';
    const signature = signWebhook('k', 1_700_000_000, body);
    const ok = (secret: string, ts: string, b: string, now = 1_700_000_100) => verifyWebhookSignature(secret, { timestamp: ts, signature }, b, { now });
    assert.ok(ok('k', '1700000000', body));
    assert.ok(!ok('k', '1700000000', '{"a":2}'));
    assert.ok(!ok('other', '1700000000', body));
    assert.ok(!ok('k', '1700000001', body));
    assert.ok(!ok('k', '1700000000', body, 1_700_000_000 + 301));
    assert.ok(!verifyWebhookSignature('k', { timestamp: undefined, signature }, body));
  });
});

describe('retry backoff', () => {
  test('doubles from the base, capped, with ±10% jitter', () => {
    const limits = { backoffMs: 1_000, maxBackoffMs: 10_000 };
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, limits, () => 0.5)), [1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
    assert.equal(retryDelayMs(1, limits, () => 0), 900);
    assert.equal(retryDelayMs(1, limits, () => 1), 1_100);
  });

  test('the defaults (10s doubling to 1h, 10 attempts) wait about 85 minutes in all', () => {
    const total = [1, 2, 3, 4, 5, 6, 7, 8, 9].reduce((sum, n) => sum + retryDelayMs(n, { backoffMs: 10_000, maxBackoffMs: 3_600_000 }, () => 0.5), 0);
    assert.equal(total, 5_110_000);
  });
});
