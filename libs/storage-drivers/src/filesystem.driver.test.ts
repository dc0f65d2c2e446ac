import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { access, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';
import { InvalidPathError, PathNotFoundError } from '@wharf/registry-core';
import { describeStorageDriver } from './driver-suite.js';
import { FilesystemDriver } from './filesystem.driver.js';

describeStorageDriver('FilesystemDriver', async () => {
  const sandbox = await mkdtemp(join(tmpdir(), 'wharf-fs-driver-'));
  return {
    driver: new FilesystemDriver(join(sandbox, 'root')),
    another: () => new FilesystemDriver(join(sandbox, 'root')),
    cleanup: () => rm(sandbox, { recursive: true, force: true }),
  };
});

describe('FilesystemDriver on disk', () => {
  let sandbox: string;
  let root: string;
  let driver: FilesystemDriver;
  let counter = 0;
  /** A fresh root per test, so on-disk assertions see only that test's files. */
  const freshRoot = async (): Promise<void> => {
    root = join(sandbox, `root-${++counter}`);
    driver = new FilesystemDriver(root);
  };

  before(async () => {
    sandbox = await mkdtemp(join(tmpdir(), 'wharf-fs-disk-'));
  });
  after(async () => {
    await rm(sandbox, { recursive: true, force: true });
  });

  test('reads what registry:2 left on disk, unchanged', async () => {
    await freshRoot();
    const blob = randomBytes(3 * 1024 * 1024 + 17);
    const hex = createHash('sha256').update(blob).digest('hex');
    const v2 = join(root, 'docker/registry/v2');
    const repo = join(v2, 'repositories/library/alpine');
    await mkdir(join(v2, 'blobs/sha256', hex.slice(0, 2), hex), { recursive: true });
    await writeFile(join(v2, 'blobs/sha256', hex.slice(0, 2), hex, 'data'), blob);
    await mkdir(join(repo, '_layers/sha256', hex), { recursive: true });
    await writeFile(join(repo, '_layers/sha256', hex, 'link'), `sha256:${hex}`);
    await mkdir(join(repo, '_manifests/tags/latest/current'), { recursive: true });
    await writeFile(join(repo, '_manifests/tags/latest/current/link'), `sha256:${hex}`);

    const blobPath = `/docker/registry/v2/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`;
    const repoPath = '/docker/registry/v2/repositories/library/alpine';
    assert.ok((await driver.getContent(blobPath)).equals(blob));
    assert.ok((await readAll(await driver.reader(blobPath, 1000, 2_000_999))).equals(blob.subarray(1000, 2_001_000)));
    assert.equal((await driver.stat(blobPath)).size, blob.length);
    assert.equal((await driver.getContent(`${repoPath}/_layers/sha256/${hex}/link`)).toString(), `sha256:${hex}`);
    assert.deepEqual(await driver.list(`${repoPath}/_manifests/tags`), [`${repoPath}/_manifests/tags/latest`]);
    assert.deepEqual((await driver.list(repoPath)).sort(), [`${repoPath}/_layers`, `${repoPath}/_manifests`]);
  });

  test('writes exactly the registry:2 paths it is given, and nothing else', async () => {
    await freshRoot();
    const upload = '/docker/registry/v2/repositories/team/app/_uploads/4d2b0c1e-uuid/data';
    const blob = '/docker/registry/v2/blobs/sha256/ab/abcdef/data';
    const link = '/docker/registry/v2/repositories/team/app/_layers/sha256/abcdef/link';
    const writer = await driver.writer(upload, false);
    await pipeline(Readable.from([Buffer.from('layer bytes')]), writer.stream);
    await writer.commit();
    await driver.move(upload, blob);
    await driver.putContent(link, 'sha256:abcdef');
    await driver.putContent(link, 'sha256:abcdef');

    assert.deepEqual((await walk(root)).sort(), [
      'docker/registry/v2/blobs/sha256/ab/abcdef/data',
      'docker/registry/v2/repositories/team/app/_layers/sha256/abcdef/link',
      'docker/registry/v2/repositories/team/app/_uploads/4d2b0c1e-uuid/',
    ]);
    assert.equal(await readFile(join(root, blob), 'utf8'), 'layer bytes');
    assert.equal(await readFile(join(root, link), 'utf8'), 'sha256:abcdef');
  });

  test('creates its root directory on the first write', async () => {
    await freshRoot();
    assert.equal(existsSync(root), false);
    await assert.rejects(driver.list('/'), PathNotFoundError);
    await driver.putContent('/docker/registry/v2/first', 'x');
    assert.deepEqual(await driver.list('/'), ['/docker']);
  });

  test('list hides temp files a crashed putContent left behind', async () => {
    await freshRoot();
    await driver.putContent('/dir/link', 'x');
    await writeFile(join(root, 'dir/.link.tmp-0123456789abcdef'), 'half');
    assert.deepEqual(await driver.list('/dir'), ['/dir/link']);
  });

  test('readers use a 1 MiB buffer', async () => {
    await freshRoot();
    await driver.putContent('/blob', randomBytes(10));
    const stream = await driver.reader('/blob');
    assert.equal(stream.readableHighWaterMark, 1024 * 1024);
    stream.destroy();
  });

  test('hostile paths touch nothing outside the root', async () => {
    await freshRoot();
    await driver.putContent('/docker/inside', 'x');
    const name = `escape-${randomBytes(6).toString('hex')}`;
    const attempts = [`/../${name}`, `/../../${name}`, `/docker/../../${name}`, `/docker/..\\..\\${name}`, `../${name}`];
    for (const path of attempts) {
      await assert.rejects(driver.putContent(path, 'pwned'), InvalidPathError);
      await assert.rejects(driver.writer(path, true), InvalidPathError);
      await assert.rejects(driver.move('/docker/inside', path), InvalidPathError);
      await assert.rejects(driver.delete(`${path}/..`), InvalidPathError);
    }
    await assert.rejects(driver.list('/docker/../..'), InvalidPathError);
    assert.equal(await readFile(join(root, 'docker/inside'), 'utf8'), 'x');
    for (const outside of [join(sandbox, name), join(dirname(sandbox), name), join(root, name)]) {
      await assert.rejects(access(outside), { code: 'ENOENT' }, outside);
    }
    assert.deepEqual(await walk(root), ['docker/inside']);
  });

  test('no descriptor leaks from failed or abandoned operations', { skip: !existsSync('/proc/self/fd') }, async () => {
    await freshRoot();
    await driver.putContent('/data', randomBytes(4 * 1024 * 1024));
    const before = (await readdir('/proc/self/fd')).length;
    for (let i = 0; i < 20; i++) {
      (await driver.reader('/data')).destroy();
      await driver.reader('/data', 10, 9).then((s) => s.resume());
      await assert.rejects(driver.reader('/data', 5 * 1024 * 1024));
      await assert.rejects(driver.reader('/missing'));
      await (await driver.writer(`/w${i}`, false)).cancel();
      const failing = await driver.writer(`/f${i}`, false);
      await assert.rejects(
        pipeline(async function* () {
          yield Buffer.from('x');
          throw new Error('boom');
        }, failing.stream),
      );
      await failing.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal((await readdir('/proc/self/fd')).length, before);
  });
});

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Files under `dir` relative to it, plus empty directories with a trailing slash. */
async function walk(dir: string, top = dir): Promise<string[]> {
  const found: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  if (entries.length === 0 && dir !== top) found.push(`${relative(top, dir)}/`);
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await walk(full, top)));
    else found.push(relative(top, full));
  }
  return found;
}
