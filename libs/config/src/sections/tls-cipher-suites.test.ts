import assert from 'node:assert/strict';
import { getCiphers } from 'node:tls';
import { describe, test } from 'node:test';
import { openSslCipherList } from './tls-cipher-suites.js';

describe('openSslCipherList', () => {
  test('Go names become OpenSSL names, and TLS 1.3 keeps its suites when none is named', () => {
    assert.equal(
      openSslCipherList(['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256']),
      'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305',
    );
  });

  test('naming a TLS 1.3 suite restricts TLS 1.3 to the named ones', () => {
    assert.equal(openSslCipherList(['TLS_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384']), 'TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES256-GCM-SHA384');
  });

  test('every TLS 1.2 name maps to a cipher this OpenSSL knows', () => {
    const known = new Set(getCiphers().map((name) => name.toUpperCase()));
    const list = openSslCipherList([
      'TLS_RSA_WITH_AES_128_GCM_SHA256',
      'TLS_RSA_WITH_AES_256_GCM_SHA384',
      'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
      'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
      'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
      'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
      'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
    ]).split(':').filter((name) => !name.startsWith('TLS_'));
    assert.deepEqual(list.filter((name) => !known.has(name)), []);
  });
});
