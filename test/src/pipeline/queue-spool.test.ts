import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { internalQueueName, InternalConsumer } from '@wharf/events';
import { EventSpool, QueueCatalog, SpoolForwarder, createRedisConnection, queueRoutes, closeConnection } from '@wharf/queue';
import { repoRoot } from '../support/tools.js';
import { deleteKeys, quietLogger, SHARED_REDIS_PORT, sharedRedis, uniquePrefix, waitFor, wharfConfig } from './queue-redis.js';

/*
 * The spool's crash contract, with a real process killed by SIGKILL: every event whose append had
 * resolved (the registry would have answered) survives, and a new process resumes from the
 * checkpoint instead of from the start.
 */

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-spool-e2e-'));
  dirs.push(dir);
  return dir;
}

/**
 * A child that appends events as fast as it can in groups of 1..8 concurrent appends and prints
 * `ack <id>` once each append resolved. With `forward` it also runs a SpoolForwarder into Redis
 * (prefix given), which commits checkpoints as it goes; otherwise it commits the spool itself every
 * 50 events and prints `commit <id>` after each commit.
 */
const CHILD = `
import { EventSpool, SpoolForwarder, createRedisConnection, queueRoutes } from '@wharf/queue';
import { parseConfig } from '@wharf/config';
import { createLogger } from '@wharf/observability';
import { randomUUID } from 'node:crypto';
const [dir, mode, prefix, port] = process.argv.slice(1);
const spool = await EventSpool.open({ directory: dir });
const out = (line) => process.stdout.write(line + '\\n');
let forwarder;
if (mode === 'forward') {
  const config = parseConfig('version: 0.1\\nstorage:\\n  inmemory:\\nelasticsearch:\\n  urls: [http://127.0.0.1:1]\\nredis:\\n  addr: 127.0.0.1:' + port + '\\n', {});
  forwarder = new SpoolForwarder({ spool, connection: createRedisConnection(config.redis, 'producer'), routes: queueRoutes(config), logger: createLogger({ level: 'silent' }), prefix, batchSize: 50 });
  forwarder.start();
}
let position = await spool.checkpoint();
let sinceCommit = 0;
const event = () => ({ id: randomUUID(), timestamp: new Date().toISOString(), action: 'push', target: { repository: 'crash/test' }, request: { id: 'r', addr: 'a', host: 'h', method: 'PUT', useragent: 'u' }, actor: {}, source: { addr: 'a', instanceID: 'child' } });
out('ready');
for (;;) {
  const group = Array.from({ length: 1 + Math.floor(Math.random() * 8) }, () => [event()]);
  await Promise.all(group.map(async (events) => { await spool.append(events); forwarder?.wake(); out('ack ' + events[0].id); }));
  if (mode !== 'forward' && (sinceCommit += group.length) >= 50) {
    sinceCommit = 0;
    const { events, next } = await spool.read(position, 40);
    if (events.length > 0) { await spool.commit(next); position = next; out('commit ' + events.at(-1).id); }
  }
}
`;

interface ChildRun {
  acked: string[];
  committed: string[];
}

/** Runs the child until it acknowledged `acks` events, then SIGKILLs it mid-stream. */
async function runAndKill(dir: string, mode: 'spool' | 'forward', acks: number, prefix = '', port = 0): Promise<ChildRun> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, dir, mode, prefix, String(port)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: ChildRun = { acked: [], committed: [] };
  let buffered = '';
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child did not acknowledge ${acks} appends in 30 s: ${stderr}`)), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited early (${code}): ${stderr}`));
    });
    child.stdout.on('data', (b: Buffer) => {
      buffered += b.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const [kind, id] = line.split(' ');
        if (kind === 'ack') run.acked.push(id!);
        if (kind === 'commit') run.committed.push(id!);
      }
      if (run.acked.length >= acks && child.exitCode === null) {
        clearTimeout(timer);
        child.kill('SIGKILL');
        resolve();
      }
    });
  });
  assert.equal(await exited, 'SIGKILL');
  return run;
}

describe('event spool: SIGKILL of the appending process', () => {
  test('every acknowledged event survives, and reading resumes from the checkpoint', async () => {
    const dir = tempDir();
    const run = await runAndKill(dir, 'spool', 3_000);
    assert.ok(run.committed.length > 0, 'the child committed checkpoints before it was killed');

    const spool = await EventSpool.open({ directory: dir }); // the dead child's lock is taken over
    let position = await spool.checkpoint();
    const reread: string[] = [];
    for (;;) {
      const { events, next } = await spool.read(position, 500);
      reread.push(...events.map((e) => e.id));
      if (events.length === 0 && next.segment === position.segment && next.offset === position.offset) break;
      position = next;
    }
    await spool.close();

    assert.equal(new Set(reread).size, reread.length, 'no event is read twice');
    const lastCommitted = run.committed.at(-1)!;
    const committedIndex = run.acked.indexOf(lastCommitted);
    assert.ok(committedIndex >= 0);
    assert.ok(!reread.includes(lastCommitted), 'reading resumed after the checkpoint, not from the start');
    // The child may have committed a little past its last printed commit before dying, never less.
    const firstReread = run.acked.indexOf(reread[0]!);
    assert.ok(firstReread > committedIndex && firstReread <= committedIndex + 41, `resumed at ack #${firstReread}, checkpoint at #${committedIndex}`);
    const lost = run.acked.slice(firstReread).filter((id) => !reread.includes(id));
    assert.deepEqual(lost, [], 'acknowledged events after the checkpoint are all still spooled');
  });

  describe('with the forwarder into real Redis', () => {
    const port = SHARED_REDIS_PORT;
    const prefix = uniquePrefix();
    before(async () => {
      await sharedRedis();
    });
    after(async () => {
      await deleteKeys(port, prefix);
    });

    test('a restarted forwarder sends every acknowledged event exactly once as a job', async () => {
      const dir = tempDir();
      const run = await runAndKill(dir, 'forward', 2_000, prefix, port);

      const config = wharfConfig(`elasticsearch:\n  urls: [http://127.0.0.1:1]\nredis:\n  addr: 127.0.0.1:${port}\n`);
      const connection = createRedisConnection(config.redis!, 'producer');
      const spool = await EventSpool.open({ directory: dir });
      const forwarder = new SpoolForwarder({ spool, connection, routes: queueRoutes(config), logger: quietLogger(), prefix });
      forwarder.start();
      const catalog = new QueueCatalog(connection, queueRoutes(config), prefix);
      const queue = catalog.queue(internalQueueName(InternalConsumer.Indexer));
      try {
        await waitFor(async () => (await queue.getWaitingCount()) >= run.acked.length && forwarder.forwarded > 0 && (await spool.backlogBytes()) === 0, 30_000, () => 'backlog not drained');
        const jobs = await queue.getWaiting(0, -1);
        const ids = jobs.map((job) => job.data.id);
        assert.equal(new Set(ids).size, ids.length, 'no event became two jobs');
        const missing = run.acked.filter((id) => !ids.includes(id));
        assert.deepEqual(missing, [], 'every acknowledged event reached its queue');
        assert.ok(forwarder.forwarded < ids.length, `the restarted forwarder resumed from the checkpoint (${forwarder.forwarded} re-read of ${ids.length})`);
      } finally {
        await forwarder.stop(1_000);
        await catalog.close();
        await spool.close();
        await closeConnection(connection);
      }
    });
  });
});
