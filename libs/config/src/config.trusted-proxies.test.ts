import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MINIMAL, parse, rejects } from './config.test-helpers.js';

describe('http.trustedproxies and api.trustedproxies', () => {
  test('the registry trusts nobody by default; the api key stays unset so its role can apply its default', () => {
    assert.deepEqual(parse(MINIMAL).http.trustedProxies, []);
    assert.equal(parse(`${MINIMAL}api:\n  addr: ":5080"\n`).api?.trustedProxies, undefined);
    assert.equal(parse(`${MINIMAL}api:\n  addr: ":5080"\n  trustedproxies:\n`).api?.trustedProxies, undefined);
  });

  test('addresses, CIDRs and named ranges as written; one string is a one-item list; [] trusts nobody', () => {
    const yaml = `${MINIMAL}http:\n  trustedproxies: [10.0.0.7, 172.16.0.0/12, "::1", "fd00::/8", loopback]\napi:\n  addr: ":5080"\n  trustedproxies: 127.0.0.1\n`;
    const config = parse(yaml);
    assert.deepEqual(config.http.trustedProxies, ['10.0.0.7', '172.16.0.0/12', '::1', 'fd00::/8', 'loopback']);
    assert.deepEqual(config.api?.trustedProxies, ['127.0.0.1']);
    assert.deepEqual(parse(`${MINIMAL}api:\n  addr: ":5080"\n  trustedproxies: []\n`).api?.trustedProxies, []);
  });

  test('REGISTRY_* overrides apply', () => {
    assert.deepEqual(parse(MINIMAL, { REGISTRY_HTTP_TRUSTEDPROXIES: '[10.1.2.3, 10.9.0.0/16]' }).http.trustedProxies, ['10.1.2.3', '10.9.0.0/16']);
    assert.deepEqual(parse(`${MINIMAL}api:\n  addr: ":5080"\n`, { REGISTRY_API_TRUSTEDPROXIES: '[]' }).api?.trustedProxies, []);
  });

  test('an entry that is not an address, a CIDR or a named range stops start-up with the entry named', () => {
    rejects(`${MINIMAL}http:\n  trustedproxies: [nginx.local]\n`, {}, /http\.trustedproxies\[0\]: "nginx\.local" is not an IP address/);
    rejects(`${MINIMAL}http:\n  trustedproxies: [10.0.0.0/33]\n`, {}, /http\.trustedproxies\[0\]: "10\.0\.0\.0\/33": the prefix length must be 0 to 32/);
    rejects(`${MINIMAL}api:\n  addr: ":5080"\n  trustedproxies: [127.0.0.1, "*"]\n`, {}, /api\.trustedproxies\[1\]/);
    rejects(`${MINIMAL}http:\n  trustedproxies: {a: b}\n`, {}, /http\.trustedproxies/);
  });
});
