import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { describeStorageDriver } from './driver-suite.js';
import { GcsDriver } from './gcs.driver.js';
import { StoreRefusalError } from './store-refusal.error.js';
import { FAKE_GCS, fakeGcsStorage, testServiceAccount } from './test-servers.js';

const MiB = 1024 * 1024;
/** Objects per listing request in these tests: a few dozen files already take several pages. */
const LIST_PAGE = 50;

describeStorageDriver('GcsDriver (fake-gcs-server)', async () => {
  const bucket = `wharf-suite-${randomBytes(6).toString('hex')}`;
  await fakeGcsStorage().createBucket(bucket);
  const credentials = testServiceAccount();
  const open = (): GcsDriver =>
    new GcsDriver({ bucket, rootDirectory: '/suite-root', chunkSize: MiB, credentials, endpoint: FAKE_GCS.endpoint, listPageSize: LIST_PAGE });
  return {
    driver: open(),
    another: open,
    cleanup: async () => {
      await fakeGcsStorage().bucket(bucket).deleteFiles({ force: true });
      await fakeGcsStorage().bucket(bucket).delete();
    },
  };
  // fake-gcs-server serves signed URLs without checking their signature (see the V4 test below).
  // It writes one small object in a few ms: 64 MiB and 2,100 files cost half a minute and show
  // nothing more than several session chunks and a short tail, and three listing pages, do.
}, { redirects: true, redirectLimits: { head: false, checksSignatures: false }, largeFile: 4 * MiB + 3, manyFiles: 2 * LIST_PAGE + 30 });

describe('GcsDriver: layout, signed URLs and wrong settings', () => {
  test("uploads keep registry:2's session object; signed URLs are V4; a missing bucket is named", async () => {
    const bucket = `wharf-gcs-${randomBytes(6).toString('hex')}`;
    await fakeGcsStorage().createBucket(bucket);
    try {
      const driver = new GcsDriver({ bucket, rootDirectory: 'r', chunkSize: 256 * 1024, credentials: testServiceAccount(), endpoint: FAKE_GCS.endpoint });
      const path = '/docker/registry/v2/repositories/a/_uploads/u/data';
      const writer = await driver.writer(path, false);
      writer.stream.end(Buffer.alloc(300 * 1024, 1));
      await writer.close();
      const [metadata] = await fakeGcsStorage().bucket(bucket).file(`r${path}`).getMetadata();
      assert.equal(metadata.contentType, 'application/x-docker-upload-session');
      assert.equal(metadata.metadata?.['Offset'], String(256 * 1024), 'the session holds whole 256 KiB chunks');
      assert.equal(Number(metadata.size), 300 * 1024 - 256 * 1024, 'the tail is kept in the object');
      const resumed = await driver.writer(path, true);
      assert.equal(resumed.size(), 300 * 1024);
      await resumed.commit();
      assert.equal((await driver.stat(path)).size, 300 * 1024);

      const url = new URL((await driver.redirectURL(path, { method: 'GET', expiresInMs: 20 * 60_000 })) ?? '');
      assert.equal(url.searchParams.get('X-Goog-Algorithm'), 'GOOG4-RSA-SHA256');
      assert.equal(url.searchParams.get('X-Goog-Expires'), '1200');
      assert.match(url.searchParams.get('X-Goog-Signature') ?? '', /^[0-9a-f]{512}$/, 'an RSA-2048 signature');

      const missing = new GcsDriver({ bucket: `${bucket}-gone`, rootDirectory: '', chunkSize: 256 * 1024, credentials: testServiceAccount(), endpoint: FAKE_GCS.endpoint });
      await assert.rejects(missing.stat('/'), StoreRefusalError, 'a refusal: start-up stops on it');
      await assert.rejects(missing.stat('/'), /gcs: bucket .*-gone does not exist/);
      await assert.rejects(missing.putContent('/docker/registry/v2/x', 'y'), /gcs: bucket .*-gone does not exist/);
    } finally {
      await fakeGcsStorage().bucket(bucket).deleteFiles({ force: true });
      await fakeGcsStorage().bucket(bucket).delete();
    }
  });

  test('list pages through a directory with more children than one listing request returns', async () => {
    const bucket = `wharf-pages-${randomBytes(6).toString('hex')}`;
    await fakeGcsStorage().createBucket(bucket);
    try {
      const driver = new GcsDriver({ bucket, rootDirectory: '', chunkSize: MiB, credentials: testServiceAccount(), endpoint: FAKE_GCS.endpoint, listPageSize: 5 });
      // 8 files and 7 directories: three pages of 5, objects and prefixes mixed within them
      const base = '/docker/registry/v2/repositories';
      const children = [...Array.from({ length: 8 }, (_, i) => `${base}/f${i}`), ...Array.from({ length: 7 }, (_, i) => `${base}/d${i}`)];
      await Promise.all(children.map((child, i) => driver.putContent(i < 8 ? child : `${child}/link`, 'x')));
      assert.deepEqual((await driver.list(base)).sort(), [...children].sort());
    } finally {
      await fakeGcsStorage().bucket(bucket).deleteFiles({ force: true });
      await fakeGcsStorage().bucket(bucket).delete();
    }
  });
});
