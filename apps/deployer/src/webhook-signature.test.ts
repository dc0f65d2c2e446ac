import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
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
