import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WebhookSecretCipher } from './webhook-secret.cipher.js';

describe('WebhookSecretCipher', () => {
  const key = WebhookSecretCipher.fromSecret('an-api-secret-of-at-least-32-characters');

  test('seals to an AES-256-GCM form that never contains the secret, and opens it back', () => {
    const sealed = key.seal('my-webhook-secret');
    assert.match(sealed, /^wharf-aes256gcm:v1:[A-Za-z0-9_-]+$/);
    assert.doesNotMatch(sealed, /my-webhook-secret/);
    assert.notEqual(key.seal('my-webhook-secret'), sealed, 'a fresh IV each time');
    assert.equal(key.open(sealed), 'my-webhook-secret');
  });

  test('the key comes from api.secret, else http.secret', () => {
    const sealed = key.seal('s');
    const viaApi = WebhookSecretCipher.fromConfig({ api: { addr: ':5080', secret: 'an-api-secret-of-at-least-32-characters' }, http: { secret: 'other' } as never });
    const viaHttp = WebhookSecretCipher.fromConfig({ http: { secret: 'an-api-secret-of-at-least-32-characters' } as never });
    assert.equal(viaApi.open(sealed), 's');
    assert.equal(viaHttp.open(sealed), 's');
  });

  test('another key, a tampered value or plain text cannot be opened, and the error says why', () => {
    const sealed = key.seal('s');
    assert.throws(() => WebhookSecretCipher.fromSecret('a-different-secret').open(sealed), /cannot be decrypted .*api\.secret.*changed/);
    const tampered = sealed.slice(0, -2) + (sealed.endsWith('AA') ? 'AB' : 'AA');
    assert.throws(() => key.open(tampered), /cannot be decrypted/);
    assert.throws(() => key.open('plain-text-secret'), /not in an encrypted form/);
  });

  test('without api.secret or http.secret nothing is sealed, and the error names the key to set', () => {
    const none = WebhookSecretCipher.fromConfig({ http: {} as never });
    assert.equal(none.available, false);
    assert.throws(() => none.seal('s'), /set api\.secret/);
    assert.throws(() => none.open(key.seal('s')), /set api\.secret/);
  });
});
