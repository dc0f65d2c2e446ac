import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse, rejects } from './config.test-helpers.js';

const SWIFT = `version: 0.1
storage:
  swift:
    authurl: http://127.0.0.1:6480/auth/v1.0
    username: wharf:tester
    password: testing
    container: registry
`;

describe('storage.swift', () => {
  test("registry:2's required keys, with its defaults for the rest", () => {
    assert.deepEqual(parse(SWIFT).storage.driver, {
      name: 'swift',
      authUrl: 'http://127.0.0.1:6480/auth/v1.0',
      username: 'wharf:tester',
      password: 'testing',
      container: 'registry',
      authVersion: 1,
      insecureSkipVerify: false,
      chunkSize: 20 * 1024 * 1024,
      prefix: '',
      endpointType: 'public',
      tempUrlContainerKey: false,
      tempUrlMethods: [],
    });
  });

  test('every key of a keystone v3 configuration', () => {
    const driver = parse(`version: 0.1
storage:
  swift:
    authurl: https://keystone.example:5000/v3
    username: registry
    password: secret
    container: images
    region: RegionOne
    tenant: 0123
    tenantid: 42
    domain: Default
    domainid: d1
    tenantdomain: TD
    tenantdomainid: td1
    trustid: t1
    insecureskipverify: true
    chunksize: 5242880
    prefix: /registry
    secretkey: s3cr3t
    accesskey: ak
    authversion: 3
    endpointtype: Internal
    tempurlcontainerkey: true
    tempurlmethods: [get, HEAD]
`).storage.driver;
    assert.deepEqual(driver, {
      name: 'swift',
      authUrl: 'https://keystone.example:5000/v3',
      username: 'registry',
      password: 'secret',
      container: 'images',
      authVersion: 3,
      region: 'RegionOne',
      tenant: '0123',
      tenantId: '42',
      domain: 'Default',
      domainId: 'd1',
      tenantDomain: 'TD',
      tenantDomainId: 'td1',
      trustId: 't1',
      secretKey: 's3cr3t',
      accessKey: 'ak',
      insecureSkipVerify: true,
      chunkSize: 5 * 1024 * 1024,
      prefix: '/registry',
      endpointType: 'internal',
      tempUrlContainerKey: true,
      tempUrlMethods: ['GET', 'HEAD'],
    });
  });

  test('the auth version comes from the URL as in registry:2, else it must be set', () => {
    const at = (url: string) => parse(SWIFT.replace('http://127.0.0.1:6480/auth/v1.0', url)).storage.driver;
    assert.equal((at('https://k:5000/v2.0') as { authVersion: number }).authVersion, 2);
    assert.equal((at('https://k:5000/v3/') as { authVersion: number }).authVersion, 3);
    rejects(SWIFT.replace('http://127.0.0.1:6480/auth/v1.0', 'https://k/auth'), {}, /storage\.swift\.authversion: cannot tell the auth version from authurl https:\/\/k\/auth/);
    const explicit = parse(`${SWIFT.replace('http://127.0.0.1:6480/auth/v1.0', 'https://k/auth')}    authversion: 2\n`).storage.driver;
    assert.equal((explicit as { authVersion: number }).authVersion, 2);
  });

  test('missing required keys are named', () => {
    rejects('version: 0.1\nstorage:\n  swift:\n    username: u\n', {}, /storage\.swift\.authurl/, /storage\.swift\.password/, /storage\.swift\.container/);
  });

  test('a chunk size under 1 MiB is refused, as registry:2 refuses it', () => {
    rejects(`${SWIFT}    chunksize: 1000\n`, {}, /storage\.swift\.chunksize: must be at least 1048576/);
  });

  test('an endpoint type with tempauth is refused: v1 has no catalog to choose from', () => {
    rejects(`${SWIFT}    endpointtype: internal\n`, {}, /storage\.swift\.endpointtype: only keystone/);
    rejects(`${SWIFT}    endpointtype: private\n`, {}, /storage\.swift\.endpointtype: expected one of: public, internal, admin/);
  });

  test('REGISTRY_STORAGE_SWIFT_* overrides, as in registry:2', () => {
    const driver = parse(SWIFT, {
      REGISTRY_STORAGE_SWIFT_PASSWORD: 'from-env',
      REGISTRY_STORAGE_SWIFT_CHUNKSIZE: '2097152',
    }).storage.driver as { password: string; chunkSize: number };
    assert.equal(driver.password, 'from-env');
    assert.equal(driver.chunkSize, 2 * 1024 * 1024);
  });
});
