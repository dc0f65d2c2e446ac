import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '@wharf/config';
import { registryApiUrl, registryBaseUrl, registryHost } from './registry-address.js';

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

test('the api reaches the registry at api.registryurl, else at its listen address from the same file', () => {
  const url = (yaml: string) => registryApiUrl(parseConfig(`version: 0.1\nstorage:\n  inmemory:\n${yaml}`, {}));
  assert.equal(url('http:\n  addr: :5000\n'), 'http://127.0.0.1:5000/');
  assert.equal(url('http:\n  addr: 10.0.0.5:5001\n  prefix: /reg\n  host: https://registry.example.com\n'), 'http://10.0.0.5:5001/reg/');
  assert.equal(url('http:\n  addr: :5000\napi:\n  addr: :5080\n  registryurl: https://registry.internal:5000\n'), 'https://registry.internal:5000/');
  assert.equal(url('http:\n  addr: /run/wharf.sock\n  net: unix\n'), undefined);
});
