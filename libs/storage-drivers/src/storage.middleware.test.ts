import assert from 'node:assert/strict';
import { createVerify, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError } from '@wharf/config';
import type { StorageMiddlewareConfig } from '@wharf/config';
import type { StorageDriver } from '@wharf/registry-core';
import { InMemoryDriver } from './inmemory.driver.js';
import { s3TestSettings } from './s3-test-bucket.js';
import { createStorageDriver } from './storage-driver.factory.js';
import { withStorageMiddleware } from './storage.middleware.js';

const BLOB = '/docker/registry/v2/blobs/sha256/ab/abcd/data';
const GET = { method: 'GET', expiresInMs: 20 * 60_000 } as const;

describe('storage middleware', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-middleware-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  // Signing contacts nothing; these tests only sign URLs (with the s3 driver the configuration names).
  const opened: StorageDriver[] = [];
  after(() => Promise.all(opened.map((d) => d.close?.())));
  const s3 = (middleware: StorageMiddlewareConfig[]): StorageDriver => {
    const driver = createStorageDriver({ driver: 's3', ...s3TestSettings('images', { rootDirectory: '/registry' }), middleware });
    opened.push(driver);
    return driver;
  };

  test('cloudfront: baseurl + the object key, with a canned-policy signature CloudFront can verify', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyFile = join(dir, 'cf.pem');
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs1', format: 'pem' }));
    const driver = s3([
      { name: 'cloudfront', baseUrl: 'https://d111.cloudfront.net/', privateKey: keyFile, keyPairId: 'K2JCJMDEHXQW5F', durationMs: 30 * 60_000 },
    ]);
    const before = Math.floor(Date.now() / 1000);
    const url = new URL((await driver.redirectURL!(BLOB, GET))!);
    assert.equal(`${url.origin}${url.pathname}`, `https://d111.cloudfront.net/registry${BLOB}`);
    assert.equal(url.searchParams.get('Key-Pair-Id'), 'K2JCJMDEHXQW5F');
    const expires = Number(url.searchParams.get('Expires'));
    assert.ok(expires >= before + 30 * 60 - 2 && expires <= before + 30 * 60 + 2, `Expires ${expires} is 30 minutes ahead`);
    const policy = JSON.stringify({ Statement: [{ Resource: `${url.origin}${url.pathname}`, Condition: { DateLessThan: { 'AWS:EpochTime': expires } } }] });
    const signature = Buffer.from(url.searchParams.get('Signature')!.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64');
    assert.ok(createVerify('RSA-SHA1').update(policy).verify(publicKey, signature), 'the signature verifies with the key pair');
  });

  test('cloudfront needs the s3 driver and a readable key, and says which key is wrong', () => {
    const entry = { name: 'cloudfront', baseUrl: 'https://cdn/', privateKey: join(dir, 'missing.pem'), keyPairId: 'K', durationMs: 1 } as const;
    assert.throws(() => createStorageDriver({ driver: 'inmemory', middleware: [entry] }), (err: ConfigError) => /^middleware\.storage\[0\]: the cloudfront middleware needs the s3 or oss storage driver/.test(err.message));
    assert.throws(() => s3([entry]), (err: ConfigError) => /^middleware\.storage\[0\]\.options\.privatekey: cannot read the key file: ENOENT/.test(err.message));
  });

  test('redirect: the base URL\'s scheme and host with the storage path, on any driver', async () => {
    const driver = withStorageMiddleware(new InMemoryDriver(), [{ name: 'redirect', baseUrl: 'http://cdn.example:8080/ignored' }]);
    assert.equal(await driver.redirectURL!(BLOB, GET), `http://cdn.example:8080${BLOB}`);
  });

  test('rewrite: changes scheme, host and path prefix of what the driver signed', async () => {
    const driver = s3([{ name: 'rewrite', scheme: 'https', host: 'objects.example.com', trimPathPrefix: '/images' }]);
    const url = new URL((await driver.redirectURL!(BLOB, GET))!);
    assert.equal(`${url.protocol}//${url.host}${url.pathname}`, `https://objects.example.com/registry${BLOB}`);
    assert.ok(url.searchParams.get('X-Amz-Signature'), 'the signature is kept');
    assert.equal(await withStorageMiddleware(new InMemoryDriver(), [{ name: 'rewrite', host: 'x' }]).redirectURL!(BLOB, GET), undefined, 'nothing to rewrite');
  });

  test('without middleware the driver is returned as it is', () => {
    const memory = new InMemoryDriver();
    assert.equal(withStorageMiddleware(memory, []), memory);
  });
});
