import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { EventAction, type RegistryEvent } from '@wharf/events';
import { EventSpool } from './event-spool.js';
import { segmentFile, SpoolLockedError } from './spool-files.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-spool-test-'));
  dirs.push(dir);
  return dir;
}

function event(n: number): RegistryEvent {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    timestamp: new Date(1_700_000_000_000 + n).toISOString(),
    action: EventAction.Push,
    target: { repository: 'library/alpine', digest: `sha256:${String(n).padStart(64, '0')}`, size: n, length: n },
    request: { id: `r${n}`, addr: '127.0.0.1:1', host: 'localhost:5000', method: 'PUT', useragent: 'test' },
    actor: {},
    source: { addr: 'localhost:5000', instanceID: 'test' },
  };
}

async function readAll(spool: EventSpool, consumer?: string): Promise<{ ids: string[]; next: Awaited<ReturnType<EventSpool['checkpoint']>> }> {
  let position = await spool.checkpoint(consumer);
  const ids: string[] = [];
  for (;;) {
    const { events, next } = await spool.read(position, 100);
    ids.push(...events.map((e) => e.id));
    if (events.length === 0 && next.segment === position.segment && next.offset === position.offset) return { ids, next };
    position = next;
  }
}

describe('EventSpool', () => {
  test('appends made in the same tick share one write (group commit)', async () => {
    const writes: number[] = [];
    const spool = await EventSpool.open({ directory: tempDir(), onWrite: (_ms, events) => writes.push(events) });
    await Promise.all(Array.from({ length: 200 }, (_, i) => spool.append([event(i)])));
    assert.ok(writes.length <= 2, `200 concurrent appends took ${writes.length} writes`);
    assert.equal(writes.reduce((a, b) => a + b, 0), 200);
    const { ids } = await readAll(spool);
    assert.deepEqual(ids, Array.from({ length: 200 }, (_, i) => event(i).id), 'read back in append order');
    await spool.close();
  });

  test('commit records the position; a reopened spool resumes after it and deletes passed segments', async () => {
    const dir = tempDir();
    const first = await EventSpool.open({ directory: dir, segmentBytes: 2_000 });
    for (let i = 0; i < 30; i++) await first.append([event(i)]);
    // reads stop at segment ends: read on until 10 events are in hand
    let position = await first.checkpoint();
    let taken = 0;
    while (taken < 10) {
      const read = await first.read(position, 10 - taken);
      taken += read.events.length;
      position = read.next;
    }
    await first.commit(position);
    await first.close();
    assert.ok(readdirSync(dir).filter((f) => f.endsWith('.jsonl')).length > 2, 'small segments rolled over');

    const second = await EventSpool.open({ directory: dir, segmentBytes: 2_000 });
    await second.append([event(30)]);
    const { ids, next } = await readAll(second);
    assert.deepEqual(ids, Array.from({ length: 21 }, (_, i) => event(i + 10).id));
    await second.commit(next);
    const left = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
    assert.equal(left.length, 1, `only the active segment stays: ${left.join(', ')}`);
    await second.close();
  });

  test('each consumer reads from its own checkpoint; a segment goes only once every consumer has passed it', async () => {
    const dir = tempDir();
    const consumers = ['endpoint.fast', 'endpoint.slow'];
    const segments = () => readdirSync(dir).filter((f) => f.endsWith('.jsonl')).length;
    const first = await EventSpool.open({ directory: dir, segmentBytes: 2_000, consumers });
    for (let i = 0; i < 30; i++) await first.append([event(i)]);
    const fast = await readAll(first, 'endpoint.fast');
    assert.equal(fast.ids.length, 30);
    await first.commit(fast.next, 'endpoint.fast');
    const rolled = segments();
    assert.ok(rolled > 2, 'small segments rolled over');
    assert.equal(segments(), rolled, 'nothing deleted while endpoint.slow has not read');
    assert.ok((await first.backlogBytes()) > 0, 'the backlog is the slowest consumer');
    await first.close();

    // a restart: the fast consumer resumes after its checkpoint, the slow one from the start
    const second = await EventSpool.open({ directory: dir, segmentBytes: 2_000, consumers });
    await second.append([event(30)]);
    assert.deepEqual((await readAll(second, 'endpoint.fast')).ids, [event(30).id]);
    const slow = await readAll(second, 'endpoint.slow');
    assert.deepEqual(slow.ids, Array.from({ length: 31 }, (_, i) => event(i).id));
    const read = await second.read(await second.checkpoint('endpoint.slow'), 5);
    assert.deepEqual(
      read.positions.map((p) => p.offset),
      read.events.map((_e, i) => read.events.slice(0, i + 1).reduce((n, e) => n + Buffer.byteLength(`${JSON.stringify(e)}\n`), 0)),
      'positions[i] is the offset just after events[i]',
    );
    await second.commit(slow.next, 'endpoint.slow');
    assert.equal(segments(), 2, "the segments before endpoint.fast's checkpoint are gone; its segment and the active one stay");
    await second.commit((await readAll(second, 'endpoint.fast')).next, 'endpoint.fast');
    assert.equal(segments(), 1, 'both passed: only the active segment stays');
    assert.equal(await second.backlogBytes(), 0);
    assert.ok(readdirSync(dir).includes('checkpoint.endpoint.slow.json'));
    await second.close();
  });

  test('a torn last line (a crash mid-write) is skipped; the lines before it are read', async () => {
    const dir = tempDir();
    const spool = await EventSpool.open({ directory: dir });
    await spool.append([event(1), event(2)]);
    await spool.close();
    const [segment] = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
    appendFileSync(join(dir, segment!), JSON.stringify(event(3)).slice(0, 40));
    const reopened = await EventSpool.open({ directory: dir });
    await reopened.append([event(4)]);
    const { ids } = await readAll(reopened);
    assert.deepEqual(ids, [event(1).id, event(2).id, event(4).id]);
    await reopened.close();
  });

  test('an unreadable line is skipped, not a reason to stop', async () => {
    const dir = tempDir();
    writeFileSync(segmentFile(dir, 1), `${JSON.stringify(event(1))}\n{not json\n${JSON.stringify(event(2))}\n`);
    const spool = await EventSpool.open({ directory: dir });
    assert.deepEqual((await readAll(spool)).ids, [event(1).id, event(2).id]);
    await spool.close();
  });

  test('a second spool on the same folder is refused while the first holds it', async () => {
    const dir = tempDir();
    const spool = await EventSpool.open({ directory: dir });
    const lock = JSON.parse(readFileSync(join(dir, 'spool.lock'), 'utf8')) as { pid: number };
    assert.equal(lock.pid, process.pid);
    // Same pid means "a previous life of this process" (container restarts reuse pids), so fake another live one.
    writeFileSync(join(dir, 'spool.lock'), JSON.stringify({ ...lock, pid: process.ppid, started: undefined }));
    const { acquireLock } = await import('./spool-files.js');
    await assert.rejects(acquireLock(dir, 0), SpoolLockedError);
    await spool.close();
  });

  test('append after close rejects', async () => {
    const spool = await EventSpool.open({ directory: tempDir() });
    await spool.close();
    await assert.rejects(spool.append([event(1)]), /closed/);
  });
});
