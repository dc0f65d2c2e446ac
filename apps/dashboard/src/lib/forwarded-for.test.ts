import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { appendForwardedFor } from './forwarded-for.js';

describe('appendForwardedFor', () => {
  test('a browser that sent nothing is named by its address', () => {
    assert.equal(appendForwardedFor(undefined, '192.0.2.7'), '192.0.2.7');
    assert.equal(appendForwardedFor('', '192.0.2.7'), '192.0.2.7');
  });

  test('the peer is appended to what arrived, so a forged entry never replaces it', () => {
    assert.equal(appendForwardedFor('203.0.113.9', '192.0.2.7'), '203.0.113.9, 192.0.2.7');
    assert.equal(appendForwardedFor('203.0.113.9, 10.0.0.2', '::1'), '203.0.113.9, 10.0.0.2, ::1');
  });

  test('repeated headers are one list, in order', () => {
    assert.equal(appendForwardedFor(['203.0.113.9', '10.0.0.2'], '127.0.0.1'), '203.0.113.9, 10.0.0.2, 127.0.0.1');
  });

  test('without a peer address (a closed socket) the chain is passed on as it came', () => {
    assert.equal(appendForwardedFor('203.0.113.9', undefined), '203.0.113.9');
    assert.equal(appendForwardedFor(undefined, undefined), undefined);
  });
});
