import assert from 'node:assert/strict';
import { test } from 'node:test';
import { registryBaseUrl, registryHost } from './registry-address.js';

test('the pull host comes from http.host, else from http.addr', () => {
  assert.equal(registryHost({ host: 'https://registry.example.com', addr: ':5000' }), 'registry.example.com');
  assert.equal(registryHost({ host: 'https://registry.example.com:8443/', addr: ':5000' }), 'registry.example.com:8443');
  assert.equal(registryHost({ addr: ':5000' }), 'localhost:5000');
  assert.equal(registryHost({ addr: '0.0.0.0:5001' }), 'localhost:5001');
  assert.equal(registryHost({ addr: '10.1.2.3:5000' }), '10.1.2.3:5000');
});

test('the base URL keeps http.prefix', () => {
  assert.equal(registryBaseUrl({ host: 'https://r.example.com/', addr: ':5000', prefix: '/reg/' }), 'https://r.example.com/reg/');
  assert.equal(registryBaseUrl({ addr: '127.0.0.1:5000', prefix: '/' }), 'http://127.0.0.1:5000/');
});
