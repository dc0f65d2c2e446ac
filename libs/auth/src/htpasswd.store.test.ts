import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { HtpasswdStore } from './htpasswd.store.js';

const dir = mkdtempSync(join(tmpdir(), 'wharf-htpasswd-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** An entry exactly as Apache's `htpasswd -B` writes it ($2y$). */
function htpasswdEntry(user: string, password: string): string {
  return execFileSync('htpasswd', ['-Bbn', user, password], { encoding: 'utf8' }).trim();
}

describe('HtpasswdStore', () => {
  test('checks passwords against htpasswd -B entries', async () => {
    const path = join(dir, 'basic');
    writeFileSync(path, `${htpasswdEntry('alice', 's3cret')}\n# a comment\n\n${htpasswdEntry('bob', 'hunter2')}\n`);
    const store = await HtpasswdStore.open(path);
    assert.equal(await store.verify('alice', 's3cret'), true);
    assert.equal(await store.verify('bob', 'hunter2'), true);
    assert.equal(await store.verify('alice', 'hunter2'), false);
    assert.equal(await store.verify('carol', 's3cret'), false);
    assert.equal(await store.verify('', ''), false);
    store.close();
    assert.equal(await store.verify('alice', 's3cret'), false, 'a closed store accepts nobody');
  });

  test('non-bcrypt entries cannot sign in and are reported', async () => {
    const path = join(dir, 'mixed');
    const md5 = execFileSync('htpasswd', ['-mbn', 'old', 'pw'], { encoding: 'utf8' }).trim();
    writeFileSync(path, `${md5}\n${htpasswdEntry('new', 'pw')}\n`);
    const store = await HtpasswdStore.open(path);
    assert.deepEqual(store.skippedUsers, ['old']);
    assert.equal(await store.verify('old', 'pw'), false);
    assert.equal(await store.verify('new', 'pw'), true);
  });

  test('an edited file is used on the next check, without reopening', async () => {
    const path = join(dir, 'edited');
    writeFileSync(path, `${htpasswdEntry('alice', 'first')}\n`);
    const store = await HtpasswdStore.open(path);
    assert.equal(await store.verify('alice', 'first'), true);
    writeFileSync(path, `${htpasswdEntry('alice', 'second')}\n${htpasswdEntry('dave', 'pw')}\n`);
    // Some filesystems keep mtime resolution coarse; make the edit visible regardless.
    utimesSync(path, new Date(), new Date(Date.now() + 2_000));
    assert.equal(await store.verify('alice', 'second'), true);
    assert.equal(await store.verify('alice', 'first'), false, 'the cached old password is forgotten with the old file');
    assert.equal(await store.verify('dave', 'pw'), true);
  });

  test('a removed file keeps the last entries instead of locking everyone out', async () => {
    const path = join(dir, 'removed');
    writeFileSync(path, `${htpasswdEntry('alice', 'pw')}\n`);
    const store = await HtpasswdStore.open(path);
    rmSync(path);
    assert.equal(await store.verify('alice', 'pw'), true);
  });

  test('a missing file fails at open', async () => {
    await assert.rejects(HtpasswdStore.open(join(dir, 'nope')), /ENOENT/);
  });

  test('a successful check is cached: repeated checks cost far less than bcrypt', async () => {
    const path = join(dir, 'cost');
    // Cost 10 makes one bcrypt check take tens of milliseconds.
    writeFileSync(path, `alice:${bcrypt.hashSync('pw', 10)}\n`);
    const store = await HtpasswdStore.open(path);
    let started = performance.now();
    assert.equal(await store.verify('alice', 'pw'), true);
    const first = performance.now() - started;
    started = performance.now();
    for (let i = 0; i < 20; i++) assert.equal(await store.verify('alice', 'pw'), true);
    const twenty = performance.now() - started;
    assert.ok(twenty < first, `20 cached checks took ${twenty.toFixed(1)} ms, one bcrypt check ${first.toFixed(1)} ms`);
    assert.equal(await store.verify('alice', 'wrong'), false, 'the cache never answers for another password');
  });
});
