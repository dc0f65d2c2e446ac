import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MINIMAL, parse, rejects } from './config.test-helpers.js';

describe('dashboard', () => {
  test('defaults: :5081, reading the default API address on the loopback', () => {
    assert.deepEqual(parse(MINIMAL).dashboard, { addr: ':5081', apiUrl: 'http://127.0.0.1:5080' });
  });

  test('apiurl follows api.addr when unset', () => {
    assert.equal(parse(`${MINIMAL}api:\n  addr: 127.0.0.1:6100\n`).dashboard.apiUrl, 'http://127.0.0.1:6100');
    assert.equal(parse(`${MINIMAL}api:\n  addr: 0.0.0.0:6100\n`).dashboard.apiUrl, 'http://127.0.0.1:6100');
  });

  test('keys as written win, a trailing slash dropped', () => {
    const config = parse(`${MINIMAL}api:\n  addr: :6100\ndashboard:\n  addr: 127.0.0.1:7000\n  apiurl: http://api.internal:5080/\n`);
    assert.deepEqual(config.dashboard, { addr: '127.0.0.1:7000', apiUrl: 'http://api.internal:5080' });
  });

  test('REGISTRY_DASHBOARD_* overrides work', () => {
    assert.equal(parse(MINIMAL, { REGISTRY_DASHBOARD_ADDR: ':9000' }).dashboard.addr, ':9000');
  });

  test('a bad apiurl or an unknown key stops start-up, named', () => {
    rejects(`${MINIMAL}dashboard:\n  apiurl: api:5080\n`, {}, /dashboard\.apiurl/, /http/);
    rejects(`${MINIMAL}dashboard:\n  port: 5081\n`, {}, /dashboard\.port/);
  });
});
