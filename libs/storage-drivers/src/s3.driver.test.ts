import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';
import { CreateMultipartUploadCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { PathNotFoundError } from '@wharf/registry-core';
import { describeStorageDriver } from './driver-suite.js';
import { S3Driver } from './s3.driver.js';
import { createTestBucket, s3TestSettings, type TestBucket } from './s3-test-bucket.js';

describeStorageDriver(
  'S3Driver on versitygw',
  async () => {
    const bucket = await createTestBucket('suite');
    // a root directory, as most registry:2 S3 configs have; small copy chunks so moves of the
    // suite's 64 MiB file go through the parallel multipart copy
    const settings = s3TestSettings(bucket.name, { rootDirectory: '/registry', multipartCopyChunkSize: 8 * 1024 * 1024 });
    const driver = new S3Driver(settings);
    const replica = new S3Driver(settings);
    return {
      driver,
      another: () => replica,
      cleanup: async () => {
        await Promise.all([driver.close(), replica.close()]);
        await bucket.remove();
      },
    };
  },
  { redirects: true },
);

describe('S3Driver on versitygw: what only an object store shows', () => {
  const MiB = 1024 * 1024;
  let bucket: TestBucket;
  let driver: S3Driver;

  before(async () => {
    bucket = await createTestBucket('s3-only');
    driver = new S3Driver(s3TestSettings(bucket.name, { rootDirectory: '/registry', multipartCopyChunkSize: 8 * MiB }));
  });
  after(async () => {
    await driver?.close();
    await bucket?.remove();
  });

  /** Writes `size` random bytes and closes: what an upload's chunk leaves pending. */
  async function closedWrite(path: string, size: number): Promise<void> {
    const writer = await driver.writer(path, false);
    writer.stream.end(randomBytes(size));
    await writer.close();
  }

  test('stores each path at <rootdirectory><path>, as registry:2 does, and nothing else', async () => {
    await driver.putContent('/docker/registry/v2/repositories/a/_layers/sha256/ab/link', 'sha256:ab');
    const writer = await driver.writer('/docker/registry/v2/blobs/sha256/ab/abcd/data', false);
    writer.stream.end(Buffer.from('blob'));
    await writer.commit();
    const { keys, uploads } = await bucket.contents();
    assert.deepEqual(keys, ['registry/docker/registry/v2/blobs/sha256/ab/abcd/data', 'registry/docker/registry/v2/repositories/a/_layers/sha256/ab/link']);
    assert.deepEqual(uploads, []);
  });

  test('bytes a closed writer keeps are invisible until commit: a multipart upload and pending pieces', async () => {
    const path = '/docker/registry/v2/repositories/b/_uploads/u1/data';
    const writer = await driver.writer(path, false);
    await pipeline(Readable.from([randomBytes(6 * MiB + 10)]), writer.stream);
    await writer.close();
    await assert.rejects(driver.stat(path), PathNotFoundError);
    assert.deepEqual(await collect(driver.walk('/docker/registry/v2/repositories/b')), []);
    const { keys, uploads } = await bucket.contents();
    assert.deepEqual(uploads, ['registry/docker/registry/v2/repositories/b/_uploads/u1/data'], 'the 6 MiB part');
    assert.ok(!keys.some((k) => k.includes('/b/_uploads/u1/data~')), 'the 10 bytes after it fit the part: no piece');
    for (const [i, chunk] of ['tail', 'more'].entries()) {
      const more = await driver.writer(path, true);
      assert.equal(more.size(), 6 * MiB + 10 + 4 * i);
      more.stream.end(Buffer.from(chunk));
      await more.close();
    }
    const pieces = (await bucket.contents()).keys.filter((k) => k.includes('/b/_uploads/u1/data~'));
    assert.deepEqual(pieces, [
      `registry/docker/registry/v2/repositories/b/_uploads/u1/data~pending-1-${6 * MiB + 10}`,
      `registry/docker/registry/v2/repositories/b/_uploads/u1/data~pending-1-${6 * MiB + 14}`,
    ], 'each small chunk is a piece of its own, named by the part it follows and its offset');
    await (await driver.writer(path, true)).cancel();
    const after = await bucket.contents();
    assert.deepEqual(after.uploads, []);
    assert.ok(!after.keys.some((k) => k.includes('/b/_uploads/u1/')));
  });

  test('continues an upload docker-registry left with a last part under 5 MiB', async () => {
    const path = '/docker/registry/v2/repositories/c/_uploads/u2/data';
    const key = `registry${path}`;
    const first = randomBytes(6 * MiB);
    const second = randomBytes(MiB);
    const created = await bucket.client.send(new CreateMultipartUploadCommand({ Bucket: bucket.name, Key: key }));
    for (const [i, body] of [first, second].entries()) {
      await bucket.client.send(new UploadPartCommand({ Bucket: bucket.name, Key: key, UploadId: created.UploadId, PartNumber: i + 1, Body: body }));
    }
    const writer = await driver.writer(path, true);
    assert.equal(writer.size(), 7 * MiB);
    const third = randomBytes(2 * MiB);
    writer.stream.end(third);
    await writer.commit();
    const stored = await driver.getContent(path);
    assert.ok(stored.equals(Buffer.concat([first, second, third])), `stored ${stored.length} bytes`);
    assert.deepEqual((await bucket.contents()).uploads, []);
  });

  test('pieces that do not follow the last part are stale: ignored, and removed with the upload', async () => {
    const path = '/docker/registry/v2/repositories/d/_uploads/u3/data';
    await closedWrite(path, 6 * MiB);
    // as if a process stopped between sending the part that took a piece's bytes and deleting it
    await bucket.client.send(new PutObjectCommand({ Bucket: bucket.name, Key: `registry${path}~pending-0-0`, Body: Buffer.from('old') }));
    const resumed = await driver.writer(path, true);
    assert.equal(resumed.size(), 6 * MiB);
    resumed.stream.end(Buffer.from('new'));
    await resumed.commit();
    assert.equal((await driver.stat(path)).size, 6 * MiB + 3);
    assert.deepEqual((await bucket.contents()).keys.filter((k) => k.includes('/d/_uploads/u3/data~')), []);
  });

  test('a move above multipartcopythresholdsize copies in parallel parts, byte for byte', async () => {
    const source = '/docker/registry/v2/repositories/e/_uploads/u4/data';
    const dest = '/docker/registry/v2/blobs/sha256/ee/eeee/data';
    const content = randomBytes(40 * MiB + 3);
    const writer = await driver.writer(source, false);
    await pipeline(Readable.from([content]), writer.stream);
    await writer.commit();
    await driver.move(source, dest);
    await assert.rejects(driver.stat(source), PathNotFoundError);
    const moved = await driver.getContent(dest);
    assert.equal(createHash('sha256').update(moved).digest('hex'), createHash('sha256').update(content).digest('hex'));
    assert.deepEqual((await bucket.contents()).uploads, []);
  });

  test('purgePendingWrites aborts only what began before the cut-off', async () => {
    const path = '/docker/registry/v2/repositories/f/_uploads/u5/data';
    await closedWrite(path, 6 * MiB);
    assert.deepEqual(await driver.purgePendingWrites('/docker/registry/v2/repositories', new Date(Date.now() - 3_600_000)), []);
    assert.deepEqual(await driver.purgePendingWrites('/docker/registry/v2/repositories', new Date(Date.now() + 60_000)), [path]);
    assert.deepEqual((await bucket.contents()).uploads, []);
  });
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const found: T[] = [];
  for await (const item of items) found.push(item);
  return found;
}
