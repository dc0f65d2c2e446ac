import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse, rejects } from './config.test-helpers.js';

const storage = (body: string): string => `version: 0.1\nstorage:\n${body}`;

describe('storage.azure', () => {
  test('a registry:2 2.8 section signs in with the account key at <account>.blob.<realm>', () => {
    const config = parse(storage('  azure:\n    accountname: acct\n    accountkey: a2V5\n    container: registry\n    realm: core.chinacloudapi.cn\n    rootdirectory: /reg\n'));
    assert.deepEqual(config.storage.driver, {
      name: 'azure',
      container: 'registry',
      rootDirectory: '/reg',
      serviceUrl: 'https://acct.blob.core.chinacloudapi.cn',
      credential: { kind: 'shared-key', accountName: 'acct', accountKey: 'a2V5' },
    });
  });

  test("v3's serviceurl, connectionstring and credentials types", () => {
    const secret = parse(storage('  azure:\n    accountname: acct\n    container: c\n    credentials:\n      type: client_secret\n      clientid: id\n      tenantid: t\n      secret: s\n'));
    assert.deepEqual(secret.storage.driver, {
      name: 'azure', container: 'c', rootDirectory: '', serviceUrl: 'https://acct.blob.core.windows.net',
      credential: { kind: 'client-secret', tenantId: 't', clientId: 'id', secret: 's' },
    });
    const chained = parse(storage('  azure:\n    serviceurl: https://x.example/acct\n    container: c\n    credentials: { type: default_credentials }\n'));
    assert.deepEqual(chained.storage.driver, { name: 'azure', container: 'c', rootDirectory: '', serviceUrl: 'https://x.example/acct', credential: { kind: 'default' } });
    const cs = parse(storage('  azure:\n    connectionstring: "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k"\n    container: c\n'));
    assert.deepEqual(cs.storage.driver, { name: 'azure', container: 'c', rootDirectory: '', connectionString: 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k' });
  });

  test('missing or contradicting keys are refused by name', () => {
    rejects(storage('  azure:\n    accountname: a\n    accountkey: k\n'), {}, /storage\.azure\.container/);
    rejects(storage('  azure:\n    accountname: a\n    container: c\n'), {}, /storage\.azure\.accountkey/);
    rejects(storage('  azure:\n    connectionstring: "AccountName=a"\n    accountkey: k\n    container: c\n'), {}, /storage\.azure\.accountkey.*connectionstring/);
    rejects(storage('  azure:\n    accountname: a\n    container: c\n    credentials: { type: client_secret, clientid: i }\n'), {}, /storage\.azure\.credentials\.tenantid/, /storage\.azure\.credentials\.secret/);
    rejects(storage('  azure:\n    accountname: a\n    accountkey: k\n    container: c\n    credentials: { type: shared_key, secret: s }\n'), {}, /storage\.azure\.credentials\.secret/);
    rejects(storage('  azure:\n    accountname: a\n    accountkey: k\n    container: c\n    max_retries: 3\n'), {}, /max_retries/);
  });

  test('REGISTRY_STORAGE_AZURE_* overrides apply', () => {
    const config = parse(storage('  azure:\n    accountname: a\n    accountkey: k\n    container: c\n'), { REGISTRY_STORAGE_AZURE_CONTAINER: 'other' });
    assert.equal(config.storage.driver.name === 'azure' && config.storage.driver.container, 'other');
  });
});

describe('storage.gcs', () => {
  test('bucket, keyfile, rootdirectory, chunksize (default 16 MiB), useragent and the endpoint', () => {
    assert.deepEqual(parse(storage('  gcs:\n    bucket: b\n')).storage.driver, { name: 'gcs', bucket: 'b', rootDirectory: '', chunkSize: 16 * 1024 * 1024 });
    const config = parse(storage('  gcs:\n    bucket: b\n    keyfile: /etc/key.json\n    rootdirectory: /r\n    chunksize: 5242880\n    useragent: ua\n    endpoint: http://127.0.0.1:4443\n'));
    assert.deepEqual(config.storage.driver, {
      name: 'gcs', bucket: 'b', rootDirectory: '/r', chunkSize: 5 * 1024 * 1024, keyFile: '/etc/key.json', userAgent: 'ua', endpoint: 'http://127.0.0.1:4443',
    });
  });

  test('credentials are a service account key, given inline', () => {
    const config = parse(storage('  gcs:\n    bucket: b\n    credentials:\n      type: service_account\n      client_email: a@b.iam.gserviceaccount.com\n      private_key: "-----BEGIN PRIVATE KEY-----"\n'));
    assert.deepEqual(config.storage.driver.name === 'gcs' && config.storage.driver.credentials, {
      type: 'service_account', client_email: 'a@b.iam.gserviceaccount.com', private_key: '-----BEGIN PRIVATE KEY-----',
    });
  });

  test('wrong values are refused by name', () => {
    rejects(storage('  gcs:\n    rootdirectory: /r\n'), {}, /storage\.gcs\.bucket/);
    rejects(storage('  gcs:\n    bucket: b\n    chunksize: 300000\n'), {}, /storage\.gcs\.chunksize.*256 KiB/);
    rejects(storage('  gcs:\n    bucket: b\n    chunksize: 1024\n'), {}, /storage\.gcs\.chunksize/);
    rejects(storage('  gcs:\n    bucket: b\n    keyfile: /k\n    credentials: { type: service_account, client_email: e, private_key: k }\n'), {}, /storage\.gcs\.credentials.*not both/);
    rejects(storage('  gcs:\n    bucket: b\n    credentials: { type: authorized_user }\n'), {}, /storage\.gcs\.credentials.*service account/);
  });
});
