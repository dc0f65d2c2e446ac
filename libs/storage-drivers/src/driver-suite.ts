import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';
import {
  InvalidOffsetError,
  InvalidPathError,
  PathNotFoundError,
  type StorageDriver,
} from '@wharf/registry-core';

export interface DriverUnderTest {
  driver: StorageDriver;
  /**
   * A second driver on the same storage, as another process (a registry replica) opens it;
   * for process-bound storage (inmemory) the same driver.
   */
  another(): StorageDriver;
  cleanup(): Promise<void>;
}

export interface SuiteOptions {
  /** The driver signs URLs (`redirectURL`); they are fetched with plain HTTP in the suite. */
  redirects?: boolean;
  /**
   * What the driver or its test server cannot show: a driver that signs no HEAD URLs (the
   * registry answers HEAD itself), an emulator that serves signed URLs without checking them.
   */
  redirectLimits?: { head?: false; checksSignatures?: false };
  /**
   * Files the many-files walk writes (default 2,100: three S3 listing pages). A driver whose
   * backend writes slowly may pass fewer when it lists in smaller pages, as long as it still
   * needs several.
   */
  manyFiles?: number;
  /**
   * Bytes of the large streamed file (default 64 MiB). A driver on an emulator may pass less, as
   * long as the file still spans several of its blocks or parts and ends inside one.
   */
  largeFile?: number;
}

const MiB = 1024 * 1024;

/**
 * The conformance suite every StorageDriver passes. One driver serves the whole suite;
 * each test works under its own directory, so tests never see each other's files.
 * `list` order is unspecified, so results are sorted before they are compared.
 */
export function describeStorageDriver(name: string, makeDriver: () => Promise<DriverUnderTest>, options: SuiteOptions = {}): void {
  describe(`${name} (StorageDriver conformance)`, () => {
    let subject: DriverUnderTest;
    let driver: StorageDriver;
    let counter = 0;
    /** A fresh directory path for one test. */
    const dir = (label: string): string => `/docker/registry/v2/suite/${label}-${++counter}`;

    before(async () => {
      subject = await makeDriver();
      driver = subject.driver;
    });
    after(async () => {
      await subject?.cleanup();
    });

    describe('getContent / putContent', () => {
      test('round-trips buffers, strings and empty content, creating parents', async () => {
        const base = dir('put');
        await driver.putContent(`${base}/a/b/c/bytes`, Buffer.from([0, 1, 2, 255]));
        await driver.putContent(`${base}/text`, 'sha256:abc\n');
        await driver.putContent(`${base}/empty`, Buffer.alloc(0));
        assert.deepEqual(await driver.getContent(`${base}/a/b/c/bytes`), Buffer.from([0, 1, 2, 255]));
        assert.equal((await driver.getContent(`${base}/text`)).toString('utf8'), 'sha256:abc\n');
        assert.equal((await driver.getContent(`${base}/empty`)).length, 0);
      });

      test('replaces existing content entirely, including with shorter content', async () => {
        const path = `${dir('replace')}/link`;
        await driver.putContent(path, 'a much longer first version');
        await driver.putContent(path, 'short');
        assert.equal((await driver.getContent(path)).toString(), 'short');
      });

      test('readers racing a replace see the old or the new content, never a mix', async () => {
        const path = `${dir('atomic')}/data`;
        const versions = [Buffer.alloc(MiB, 'a'), Buffer.alloc(MiB / 2, 'b')];
        await driver.putContent(path, versions[0]!);
        for (let round = 0; round < 20; round++) {
          const reads = Array.from({ length: 4 }, () => driver.getContent(path));
          await driver.putContent(path, versions[(round + 1) % 2]!);
          for (const seen of await Promise.all(reads)) {
            assert.ok(seen.equals(versions[0]!) || seen.equals(versions[1]!), `torn read of ${seen.length} bytes`);
          }
        }
      });

      test('stored bytes do not change when the caller mutates its buffers', async () => {
        const path = `${dir('copy')}/data`;
        const input = Buffer.from('original');
        await driver.putContent(path, input);
        input.fill(0);
        (await driver.getContent(path)).fill(0);
        assert.equal((await driver.getContent(path)).toString(), 'original');
      });

      test('getContent of a missing file or of a directory throws PathNotFoundError', async () => {
        const base = dir('missing');
        await driver.putContent(`${base}/sub/file`, 'x');
        await assert.rejects(driver.getContent(`${base}/nope`), PathNotFoundError);
        await assert.rejects(driver.getContent(`${base}/nope/deeper`), PathNotFoundError);
        await assert.rejects(driver.getContent(`${base}/sub/file/below-a-file`), PathNotFoundError);
        await assert.rejects(driver.getContent(`${base}/sub`), PathNotFoundError);
      });
    });

    describe('reader', () => {
      const content = Buffer.from('0123456789abcdefghij');
      let path: string;
      before(async () => {
        path = `${dir('reader')}/data`;
        await driver.putContent(path, content);
      });

      test('streams the whole file by default', async () => {
        assert.deepEqual(await readAll(await driver.reader(path)), content);
      });

      test('honours offset and inclusive end', async () => {
        assert.equal((await readAll(await driver.reader(path, 10))).toString(), 'abcdefghij');
        assert.equal((await readAll(await driver.reader(path, 2, 5))).toString(), '2345');
        assert.equal((await readAll(await driver.reader(path, 0, 0))).toString(), '0');
        assert.equal((await readAll(await driver.reader(path, 19, 19))).toString(), 'j');
        assert.equal((await readAll(await driver.reader(path, 15, 1000))).toString(), 'fghij');
      });

      test('an offset equal to the size gives an empty stream', async () => {
        assert.equal((await readAll(await driver.reader(path, content.length))).length, 0);
        const empty = `${dir('reader-empty')}/data`;
        await driver.putContent(empty, '');
        assert.equal((await readAll(await driver.reader(empty))).length, 0);
      });

      test('an offset past the end throws InvalidOffsetError', async () => {
        await assert.rejects(driver.reader(path, content.length + 1), InvalidOffsetError);
        await assert.rejects(driver.reader(path, -1), InvalidOffsetError);
      });

      test('a missing file rejects before any stream exists', async () => {
        await assert.rejects(driver.reader(`${dir('reader-missing')}/data`), PathNotFoundError);
        await assert.rejects(driver.reader(`${dir('reader-missing')}/data`, 5, 10), PathNotFoundError);
      });
    });

    describe('writer', () => {
      test('size() counts bytes as they are taken; commit makes the file whole and visible', async () => {
        const path = `${dir('writer')}/data`;
        const writer = await driver.writer(path, false);
        assert.equal(writer.modTime, undefined, 'a new file has no earlier bytes');
        await writeChunk(writer.stream, Buffer.from('hello '));
        assert.equal(writer.size(), 6);
        await pipeline(Readable.from([Buffer.from('world')]), writer.stream);
        assert.equal(writer.size(), 11);
        await writer.commit();
        assert.equal((await driver.stat(path)).size, 11);
        assert.equal((await driver.getContent(path)).toString(), 'hello world');
      });

      test('append continues across writer sessions (a resumed upload)', async () => {
        const path = `${dir('append')}/data`;
        const first = await driver.writer(path, false);
        await pipeline(Readable.from([Buffer.from('chunk-1;')]), first.stream);
        await first.close();
        assert.equal(first.size(), 8);

        const second = await driver.writer(path, true);
        assert.equal(second.size(), 8, 'size includes what was there before');
        await pipeline(Readable.from([Buffer.from('chunk-2;'), Buffer.from('chunk-3')]), second.stream);
        assert.equal(second.size(), 23);
        await second.commit();
        assert.equal((await driver.getContent(path)).toString(), 'chunk-1;chunk-2;chunk-3');
      });

      test('append to a missing file creates it; without append an existing file is truncated', async () => {
        const path = `${dir('truncate')}/data`;
        const created = await driver.writer(path, true);
        assert.equal(created.size(), 0);
        await pipeline(Readable.from([Buffer.from('old content')]), created.stream);
        await created.commit();

        const fresh = await driver.writer(path, false);
        assert.equal(fresh.size(), 0);
        await pipeline(Readable.from([Buffer.from('new')]), fresh.stream);
        await fresh.commit();
        assert.equal((await driver.getContent(path)).toString(), 'new');
      });

      test('commit and close end a stream the caller left open', async () => {
        const base = dir('open-stream');
        const committed = await driver.writer(`${base}/committed`, false);
        committed.stream.write(Buffer.from('abc'));
        await committed.commit();
        assert.equal(committed.size(), 3);
        assert.equal((await driver.getContent(`${base}/committed`)).toString(), 'abc');

        const closed = await driver.writer(`${base}/closed`, false);
        closed.stream.write(Buffer.from('de'));
        await closed.close();
        const resumed = await driver.writer(`${base}/closed`, true);
        assert.equal(resumed.size(), 2);
        await resumed.commit();
        assert.equal((await driver.getContent(`${base}/closed`)).toString(), 'de');
      });

      test('close keeps the bytes of a stream whose source failed', async () => {
        const path = `${dir('broken')}/data`;
        const writer = await driver.writer(path, false);
        async function* failing(): AsyncGenerator<Buffer> {
          yield Buffer.from('kept');
          throw new Error('client went away');
        }
        await assert.rejects(pipeline(failing(), writer.stream), /client went away/);
        await writer.close();
        assert.equal(writer.size(), 4);
        const resumed = await driver.writer(path, true);
        assert.equal(resumed.size(), 4);
        await resumed.commit();
        assert.equal((await driver.getContent(path)).toString(), 'kept');
      });

      test('another process resumes what close kept: chunks of 6, 3 and 1 MiB and a few bytes, then commit', async () => {
        const path = `${dir('resume')}/data`;
        const source = pattern(10 * MiB + 5, 3);
        const bounds = [0, 6 * MiB, 9 * MiB, 10 * MiB, 10 * MiB + 5];
        const started = Date.now();
        for (let i = 0; i + 1 < bounds.length; i++) {
          // alternate between the two drivers, as chunks of one upload land on different replicas
          const writer = await (i % 2 === 0 ? driver : subject.another()).writer(path, i > 0);
          assert.equal(writer.size(), bounds[i], `chunk ${i} starts where the last one ended`);
          if (i > 0) assert.ok(writer.modTime && writer.modTime.getTime() >= started - 60_000, 'modTime of earlier bytes is now-ish');
          await pipeline(source.stream(bounds[i], bounds[i + 1]), writer.stream);
          assert.equal(writer.size(), bounds[i + 1]);
          await writer.close();
        }
        const last = await subject.another().writer(path, true);
        assert.equal(last.size(), source.size);
        await last.commit();
        assert.equal((await driver.stat(path)).size, source.size);
        assert.equal(await sha256Of(await driver.reader(path)), source.sha256());
      });

      test('many tiny chunks in separate writers add up', async () => {
        const path = `${dir('tiny')}/data`;
        const parts: Buffer[] = [];
        for (let i = 0; i < 12; i++) {
          const writer = await driver.writer(path, i > 0);
          const part = Buffer.from(`part-${i};`);
          parts.push(part);
          writer.stream.end(part);
          await writer.close();
        }
        const final = await subject.another().writer(path, true);
        assert.equal(final.size(), Buffer.concat(parts).length);
        await final.commit();
        assert.equal((await driver.getContent(path)).toString(), Buffer.concat(parts).toString());
      });

      test('a writer without append discards what a closed writer left', async () => {
        const path = `${dir('restart')}/data`;
        const first = await driver.writer(path, false);
        first.stream.end(Buffer.alloc(MiB, 'x'));
        await first.close();
        const fresh = await driver.writer(path, false);
        assert.equal(fresh.size(), 0);
        fresh.stream.end(Buffer.from('fresh'));
        await fresh.commit();
        assert.equal((await driver.getContent(path)).toString(), 'fresh');
        const again = await driver.writer(path, true);
        assert.equal(again.size(), 5, 'nothing of the discarded bytes comes back');
        await again.cancel();
      });

      test('cancel discards what earlier writers left, pending or committed', async () => {
        const base = dir('cancel-pending');
        const first = await driver.writer(`${base}/data`, false);
        first.stream.end(Buffer.alloc(MiB, 'p'));
        await first.close();
        await (await subject.another().writer(`${base}/data`, true)).cancel();
        await assert.rejects(driver.stat(`${base}/data`), PathNotFoundError);
        const after = await driver.writer(`${base}/data`, true);
        assert.equal(after.size(), 0);
        assert.equal(after.modTime, undefined);
        await after.cancel();
        assert.deepEqual(await collect(driver.walk(base)), []);
      });

      test('commit rejects when the stream failed; cancel then removes the file', async () => {
        const base = dir('failed-commit');
        const writer = await driver.writer(`${base}/data`, false);
        const failure = new Error('source broke');
        await assert.rejects(
          pipeline(async function* () {
            yield Buffer.from('partial');
            throw failure;
          }, writer.stream),
          failure,
        );
        await assert.rejects(writer.commit(), failure);
        await writer.cancel();
        await assert.rejects(driver.stat(`${base}/data`), PathNotFoundError);
      });

      test('cancel removes the file', async () => {
        const base = dir('cancel');
        const writer = await driver.writer(`${base}/data`, false);
        await writeChunk(writer.stream, Buffer.from('discard me'));
        await writer.cancel();
        await assert.rejects(driver.stat(`${base}/data`), PathNotFoundError);
        assert.deepEqual(await listOrEmpty(driver, base), []);
      });

      test('a writer ends once: commit or close after commit rejects', async () => {
        const writer = await driver.writer(`${dir('twice')}/data`, false);
        await writer.commit();
        await assert.rejects(writer.commit());
        await assert.rejects(writer.close());
      });

      const large = options.largeFile ?? 64 * MiB;
      test(`streams ${large % MiB === 0 ? large / MiB : (large / MiB).toFixed(2)} MiB in and out intact (sha256), without buffering it in the test`, async () => {
        const path = `${dir('large')}/data`;
        const source = pattern(large, 1);
        const writer = await driver.writer(path, false);
        await pipeline(source.stream(), writer.stream);
        await writer.commit();
        assert.equal(writer.size(), source.size);
        assert.equal((await driver.stat(path)).size, source.size);
        assert.equal(await sha256Of(await driver.reader(path)), source.sha256());
        // 40 MiB + 7 of 64: from inside a block past the middle
        const offset = Math.floor((large * 5) / 8) + 7;
        assert.equal(await sha256Of(await driver.reader(path, offset)), source.sha256(offset));
      });

      test('concurrent writers to different paths do not interfere', async () => {
        const base = dir('concurrent');
        const sources = Array.from({ length: 8 }, (_, i) => pattern(2 * MiB + i * 4099, i + 10));
        await Promise.all(
          sources.map(async (source, i) => {
            const writer = await driver.writer(`${base}/w${i}/data`, false);
            await pipeline(source.stream(), writer.stream);
            await writer.commit();
          }),
        );
        for (const [i, source] of sources.entries()) {
          assert.equal(await sha256Of(await driver.reader(`${base}/w${i}/data`)), source.sha256());
        }
      });
    });

    describe('stat', () => {
      test('describes files and directories', async () => {
        const base = dir('stat');
        const started = Date.now();
        await driver.putContent(`${base}/sub/file`, '12345');
        const file = await driver.stat(`${base}/sub/file`);
        assert.equal(file.path, `${base}/sub/file`);
        assert.equal(file.size, 5);
        assert.equal(file.isDir, false);
        assert.ok(file.modTime instanceof Date);
        assert.ok(Math.abs(file.modTime.getTime() - started) < 60_000, 'modTime is now-ish');

        const directory = await driver.stat(`${base}/sub`);
        assert.equal(directory.isDir, true);
        assert.equal(directory.size, 0);
        assert.equal((await driver.stat('/')).isDir, true);
      });

      test('throws PathNotFoundError for missing paths', async () => {
        await assert.rejects(driver.stat(`${dir('stat-missing')}/nothing`), PathNotFoundError);
      });

      test('version changes whenever the content is replaced or grows, and only then', async () => {
        const path = `${dir('stat-version')}/link`;
        await driver.putContent(path, 'sha256:aaaa');
        const first = (await driver.stat(path)).version;
        assert.equal((await driver.stat(path)).version, first, 'stable while unchanged');
        await driver.putContent(path, 'sha256:bbbb');
        const second = (await driver.stat(path)).version;
        assert.notEqual(second, first, 'a same-size replace is a new version');
        const writer = await driver.writer(path, true);
        writer.stream.end(Buffer.from('more'));
        await writer.commit();
        assert.notEqual((await driver.stat(path)).version, second, 'an append is a new version');
      });
    });

    describe('list', () => {
      test('returns the full paths of direct children, files and directories alike', async () => {
        const base = dir('list');
        await driver.putContent(`${base}/b`, 'x');
        await driver.putContent(`${base}/a/deep/file`, 'x');
        await driver.putContent(`${base}/c.d_e-f`, 'x');
        assert.deepEqual((await driver.list(base)).sort(), [`${base}/a`, `${base}/b`, `${base}/c.d_e-f`]);
        assert.deepEqual(await driver.list(`${base}/a`), [`${base}/a/deep`]);
        assert.ok((await driver.list('/')).includes('/docker'));
      });

      test('throws PathNotFoundError for a missing directory or a file', async () => {
        const base = dir('list-missing');
        await driver.putContent(`${base}/file`, 'x');
        await assert.rejects(driver.list(`${base}/nothing`), PathNotFoundError);
        await assert.rejects(driver.list(`${base}/file`), PathNotFoundError);
      });
    });

    describe('walk', () => {
      test('yields every file below a directory with its size, and no directories', async () => {
        const base = dir('walk');
        await driver.putContent(`${base}/a`, '1');
        await driver.putContent(`${base}/sub/b`, '22');
        await driver.putContent(`${base}/sub/deeper/c`, '333');
        await driver.putContent(`${base}-sibling/d`, 'not below base');
        const writer = await driver.writer(`${base}/sub/e`, false);
        await pipeline(Readable.from([Buffer.alloc(70_000, 'e')]), writer.stream);
        await writer.commit();
        const found = await collect(driver.walk(base));
        assert.deepEqual(
          found.map((f) => [f.path, f.size, f.isDir]).sort(),
          [
            [`${base}/a`, 1, false],
            [`${base}/sub/b`, 2, false],
            [`${base}/sub/deeper/c`, 3, false],
            [`${base}/sub/e`, 70_000, false],
          ],
        );
        for (const file of found) assert.ok(Math.abs(file.modTime.getTime() - Date.now()) < 60_000, `${file.path} modTime is now-ish`);
        assert.deepEqual((await collect(driver.walk(`${base}/sub/deeper`))).map((f) => f.path), [`${base}/sub/deeper/c`]);
        assert.ok((await collect(driver.walk('/'))).some((f) => f.path === `${base}/a`), 'the root can be walked');
      });

      test('a missing directory or a file yields nothing', async () => {
        const base = dir('walk-missing');
        await driver.putContent(`${base}/file`, 'x');
        assert.deepEqual(await collect(driver.walk(`${base}/nothing`)), []);
        assert.deepEqual(await collect(driver.walk(`${base}/file`)), []);
      });

      test('walks many files (several listing pages on an object store)', async () => {
        const base = dir('walk-many');
        const names = Array.from({ length: options.manyFiles ?? 2100 }, (_, i) => `${base}/${String(i % 7)}/f${i}`);
        await mapLimit(names, 32, (path) => driver.putContent(path, 'x'));
        const found = await collect(driver.walk(base));
        assert.equal(found.length, names.length, `found ${found.length} of ${names.length}`);
        assert.deepEqual(found.map((f) => f.path).sort(), [...names].sort());
      });
    });

    if (options.redirects) {
      describe('redirectURL', () => {
        test('signs URLs that serve the file to GET and HEAD without credentials', async () => {
          const path = `${dir('redirect')}/data`;
          const content = Buffer.from('bytes served by the backend itself');
          await driver.putContent(path, content);
          assert.ok(driver.redirectURL, 'the driver signs URLs');
          const get = await driver.redirectURL(path, { method: 'GET', expiresInMs: 20 * 60_000 });
          assert.ok(get, 'a URL for GET');
          const response = await fetch(get);
          assert.equal(response.status, 200);
          assert.deepEqual(Buffer.from(await response.arrayBuffer()), content);
          const head = await driver.redirectURL(path, { method: 'HEAD', expiresInMs: 20 * 60_000 });
          if (options.redirectLimits?.head === false) {
            assert.equal(head, undefined, 'no URL for HEAD');
          } else {
            assert.ok(head, 'a URL for HEAD');
            const headResponse = await fetch(head, { method: 'HEAD' });
            assert.equal(headResponse.status, 200);
            assert.equal(headResponse.headers.get('content-length'), String(content.length));
          }
          if (options.redirectLimits?.checksSignatures !== false) {
            const tampered = new URL(get);
            tampered.pathname = tampered.pathname.replace(/data$/, 'other');
            // S3 and Azure answer 403, Swift's tempurl 401: either way the bytes are refused
            assert.ok([401, 403].includes((await fetch(tampered)).status), 'the signature covers the path');
          }
        });
      });
    } else {
      test('signs no URLs (the registry serves every blob itself)', () => {
        assert.equal(driver.redirectURL, undefined);
      });
    }

    describe('move', () => {
      test('moves a file, creating the destination parents', async () => {
        const base = dir('move');
        await driver.putContent(`${base}/upload/data`, 'blob bytes');
        await driver.move(`${base}/upload/data`, `${base}/blobs/ab/abcd/data`);
        assert.equal((await driver.getContent(`${base}/blobs/ab/abcd/data`)).toString(), 'blob bytes');
        await assert.rejects(driver.stat(`${base}/upload/data`), PathNotFoundError);
      });

      test('replaces an existing destination', async () => {
        const base = dir('move-replace');
        await driver.putContent(`${base}/new`, 'new');
        await driver.putContent(`${base}/target`, 'old and longer');
        await driver.move(`${base}/new`, `${base}/target`);
        assert.equal((await driver.getContent(`${base}/target`)).toString(), 'new');
        assert.deepEqual(await driver.list(base), [`${base}/target`]);
      });

      test('readers of the destination see the old or the new file while it is replaced', async () => {
        const base = dir('move-atomic');
        const old = Buffer.alloc(MiB, 'o');
        const next = Buffer.alloc(MiB / 4, 'n');
        await driver.putContent(`${base}/target`, old);
        for (let round = 0; round < 10; round++) {
          await driver.putContent(`${base}/incoming`, round % 2 === 0 ? next : old);
          const reads = Array.from({ length: 4 }, () => driver.getContent(`${base}/target`));
          await driver.move(`${base}/incoming`, `${base}/target`);
          for (const seen of await Promise.all(reads)) assert.ok(seen.equals(old) || seen.equals(next));
        }
      });

      test('a missing source throws PathNotFoundError and creates nothing', async () => {
        const base = dir('move-missing');
        await driver.putContent(`${base}/keep`, 'x');
        await assert.rejects(driver.move(`${base}/nothing`, `${base}/dest/sub/file`), PathNotFoundError);
        await assert.rejects(driver.stat(`${base}/dest`), PathNotFoundError);
      });
    });

    describe('delete', () => {
      test('deletes a file and leaves its siblings and parent', async () => {
        const base = dir('delete');
        await driver.putContent(`${base}/gone`, 'x');
        await driver.putContent(`${base}/kept`, 'y');
        await driver.delete(`${base}/gone`);
        await assert.rejects(driver.getContent(`${base}/gone`), PathNotFoundError);
        assert.deepEqual(await driver.list(base), [`${base}/kept`]);
        await driver.delete(`${base}/kept`);
        // a disk keeps the emptied directory (as registry:2 does); an object store has no directories
        assert.deepEqual(await listOrEmpty(driver, base), []);
      });

      test('deletes a whole tree', async () => {
        const base = dir('delete-tree');
        await driver.putContent(`${base}/repo/_layers/sha256/aa/link`, 'x');
        await driver.putContent(`${base}/repo/_manifests/tags/v1/current/link`, 'y');
        await driver.putContent(`${base}/other/link`, 'z');
        await driver.delete(`${base}/repo`);
        await assert.rejects(driver.stat(`${base}/repo`), PathNotFoundError);
        await assert.rejects(driver.getContent(`${base}/repo/_manifests/tags/v1/current/link`), PathNotFoundError);
        await assert.rejects(driver.list(`${base}/repo/_layers`), PathNotFoundError);
        assert.deepEqual(await driver.list(base), [`${base}/other`]);
      });

      test('throws PathNotFoundError for a missing path', async () => {
        const base = dir('delete-missing');
        await assert.rejects(driver.delete(`${base}/nothing`), PathNotFoundError);
        await driver.putContent(`${base}/file`, 'x');
        await assert.rejects(driver.delete(`${base}/file/below`), PathNotFoundError);
      });
    });

    describe('path validation', () => {
      const bad = [
        '',
        'docker/registry/v2',
        '../escape',
        '/../escape',
        '/docker/../../escape',
        '/docker/registry/..',
        '/docker/./registry',
        '/.',
        '/docker//registry',
        '/docker/',
        '//',
        '/docker\\..\\..\\escape',
        '/docker/\0escape',
        '/docker/re gistry',
        '/docker/%2e%2e',
      ];

      test('every operation rejects malformed paths with InvalidPathError', async () => {
        const good = `${dir('valid')}/file`;
        await driver.putContent(good, 'x');
        for (const path of bad) {
          const calls: [string, () => Promise<unknown>][] = [
            ['getContent', () => driver.getContent(path)],
            ['putContent', () => driver.putContent(path, 'x')],
            ['reader', () => driver.reader(path)],
            ['writer', () => driver.writer(path, false)],
            ['writer(append)', () => driver.writer(path, true)],
            ['stat', () => driver.stat(path)],
            ['list', () => driver.list(path)],
            ['walk', () => collect(driver.walk(path))],
            ['move from', () => driver.move(path, `${good}-moved`)],
            ['move to', () => driver.move(good, path)],
            ['delete', () => driver.delete(path)],
          ];
          for (const [operation, call] of calls) {
            await assert.rejects(call(), InvalidPathError, `${operation}(${JSON.stringify(path)})`);
          }
        }
        assert.equal((await driver.getContent(good)).toString(), 'x', 'the valid file was not moved');
      });

      test('the root can be listed and stat-ed but not written, moved or deleted', async () => {
        const good = `${dir('root')}/file`;
        await driver.putContent(good, 'x');
        await assert.rejects(driver.getContent('/'), InvalidPathError);
        await assert.rejects(driver.putContent('/', 'x'), InvalidPathError);
        await assert.rejects(driver.writer('/', false), InvalidPathError);
        await assert.rejects(driver.reader('/'), InvalidPathError);
        await assert.rejects(driver.move('/', good), InvalidPathError);
        await assert.rejects(driver.move(good, '/'), InvalidPathError);
        await assert.rejects(driver.delete('/'), InvalidPathError);
        assert.equal((await driver.stat(good)).size, 1);
      });
    });
  });
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const found: T[] = [];
  for await (const item of items) found.push(item);
  return found;
}

/** Children of a directory; [] when it is gone, which is how an object store shows an emptied one. */
async function listOrEmpty(driver: StorageDriver, path: string): Promise<string[]> {
  try {
    return await driver.list(path);
  } catch (err) {
    if (err instanceof PathNotFoundError) return [];
    throw err;
  }
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(
    stream,
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        callback();
      },
    }),
  );
  return hash.digest('hex');
}

function writeChunk(stream: NodeJS.WritableStream, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(chunk, (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * `size` deterministic pseudo-random bytes for `seed`, produced 64 KiB at a time (a
 * network-sized chunk) and never held whole: `stream()` yields them, `sha256(from)`
 * regenerates them to hash the bytes from offset `from` on.
 */
function pattern(size: number, seed: number) {
  const chunkSize = 64 * 1024;
  const block = createHash('sha512').update(`seed-${seed}`).digest();
  const base = Buffer.alloc(chunkSize);
  for (let i = 0; i < chunkSize; i += block.length) block.copy(base, i);
  function* chunks(): Generator<Buffer> {
    for (let offset = 0, index = 0; offset < size; offset += chunkSize, index++) {
      const chunk = Buffer.from(base.subarray(0, Math.min(chunkSize, size - offset)));
      if (chunk.length >= 4) chunk.writeUInt32BE(index, 0);
      yield chunk;
    }
  }
  return {
    size,
    /** Bytes [from, to) of the pattern. */
    stream(from = 0, to = size): Readable {
      function* slice(): Generator<Buffer> {
        let offset = 0;
        for (const chunk of chunks()) {
          const end = offset + chunk.length;
          if (end > from && offset < to) yield chunk.subarray(Math.max(from - offset, 0), Math.min(to - offset, chunk.length));
          offset = end;
          if (offset >= to) return;
        }
      }
      return Readable.from(slice(), { objectMode: false });
    },
    sha256(from = 0): string {
      const hash = createHash('sha256');
      let offset = 0;
      for (const chunk of chunks()) {
        if (offset + chunk.length > from) hash.update(chunk.subarray(Math.max(from - offset, 0)));
        offset += chunk.length;
      }
      return hash.digest('hex');
    },
  };
}
