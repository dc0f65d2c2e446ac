import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { DatabaseConfig, RedisConfig } from '@wharf/config';
import type { RunningRole } from '@wharf/observability';
import { start as startCounter } from '@wharf/counter';
import {
  CounterQueue,
  CounterReader,
  INDEX,
  LAYER,
  counterEvent,
  postgresConfig,
  sharedPostgres,
  uniqueSchema,
} from './counter-harness.js';
import { deleteKeys, quietLogger, sharedRedis, SHARED_REDIS_PORT, uniquePrefix, waitFor, wharfConfig } from './queue-redis.js';

/*
 * Events through the real queue (shared Redis, a unique prefix per test) into the counter role
 * (in this process), counted in the shared PostgreSQL (a unique schema per test).
 */
describe('counter: exact counts through the real queue', () => {
  let redis: RedisConfig;
  let pgPort: number;
  const cleanups: (() => Promise<void>)[] = [];

  before(async () => {
    redis = await sharedRedis();
    pgPort = await sharedPostgres();
  });

  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined);
  });

  after(async () => {
    while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined);
  });

  /** A running counter on its own queue prefix and schema, and a way to feed and read it. */
  async function setUp(countersYaml = ''): Promise<{ queue: CounterQueue; reader: CounterReader; counter: RunningRole; database: DatabaseConfig }> {
    const prefix = uniquePrefix();
    const schema = uniqueSchema();
    const database = postgresConfig(pgPort, schema);
    const config = wharfConfig(
      `redis:\n  addr: 127.0.0.1:${SHARED_REDIS_PORT}\ndatabase:\n  url: ${database.url}\n  schema: ${schema}\n${countersYaml}`,
    );
    const counter = await startCounter(config, quietLogger(), { prefix });
    let stopped = false;
    const stop = async (): Promise<void> => {
      if (!stopped) await counter.stop();
      stopped = true;
    };
    const queue = new CounterQueue(redis, prefix);
    const reader = await CounterReader.open(database);
    cleanups.push(async () => {
      await stop();
      await queue.close();
      await deleteKeys(SHARED_REDIS_PORT, prefix);
      await reader.dropSchemaAndClose(schema);
    });
    return { queue, reader, counter: { name: counter.name, stop }, database };
  }

  test('N pushes and M pulls of single-platform images count exactly; blobs, mounts and deletes count nothing', async () => {
    const { queue, reader } = await setUp();
    const events = [];
    const expected = new Map<string, { pulls: number; pushes: number }>();
    for (let r = 0; r < 5; r++) {
      const repository = `team/app-${r}`;
      const pushes = 3 + r;
      const pulls = 10 * (r + 1);
      expected.set(repository, { pulls, pushes });
      for (let i = 0; i < pushes; i++) events.push(counterEvent({ action: 'push', repository, tag: `v${i}` }));
      for (let i = 0; i < pulls; i++) {
        // distinct clients: every pull is a docker pull of its own
        events.push(counterEvent({ repository, tag: `v${i % pushes}`, addr: `10.1.${r}.${i}:5000` }));
        events.push(counterEvent({ repository, mediaType: LAYER, addr: `10.1.${r}.${i}:5000` }));
      }
      events.push(counterEvent({ action: 'mount', repository, mediaType: LAYER }));
      events.push(counterEvent({ action: 'delete', repository, tag: 'v0' }));
    }
    await queue.add(events);
    await queue.drained(60_000);
    for (const [repository, counts] of expected) assert.deepEqual(await reader.repository(repository), counts, repository);
    const tags = await reader.tags('team/app-0');
    assert.deepEqual(tags, {
      v0: { pulls: 4, pushes: 1 },
      v1: { pulls: 3, pushes: 1 },
      v2: { pulls: 3, pushes: 1 },
    });
    assert.equal(await queue.failed(), 0);
  });

  test('an event delivered three times (replays with other job ids, interleaved) counts once', async () => {
    const { queue, reader } = await setUp();
    const events = Array.from({ length: 300 }, (_, i) =>
      counterEvent({ action: i % 10 === 0 ? 'push' : 'pull', repository: 'dup/app', tag: 'latest', addr: `10.2.0.${i}:1` }),
    );
    await Promise.all([queue.add(events), queue.add([...events].reverse(), 'replay-1'), queue.add(events, 'replay-2')]);
    await queue.drained(60_000);
    // and once more after everything was processed
    await queue.add(events.slice(0, 50), 'replay-3');
    await queue.drained(30_000);
    assert.deepEqual(await reader.repository('dup/app'), { pulls: 270, pushes: 30 });
    assert.equal(await reader.processedEvents(), 300);
  });

  test('docker pull of a multi-platform image: index by tag + platform manifest by digest from one client is 1; two clients are 2', async () => {
    const { queue, reader } = await setUp();
    const base = Date.now();
    const indexDigest = 'sha256:' + 'a'.repeat(64);
    const amd64 = 'sha256:' + 'b'.repeat(64);
    const pull = (addr: string, useragent: string, at: number) => [
      counterEvent({ repository: 'multi/app', tag: 'latest', mediaType: INDEX, digest: indexDigest, addr, useragent, base, at }),
      counterEvent({ repository: 'multi/app', digest: amd64, addr, useragent, base, at: at + 120 }),
      counterEvent({ repository: 'multi/app', mediaType: LAYER, addr, useragent, base, at: at + 200 }),
    ];
    // client 1; client 2 on another machine; client 3 on machine 1 with another user agent
    const events = [...pull('10.3.0.1:50001', 'docker/27', 0), ...pull('10.3.0.2:50001', 'docker/27', 10), ...pull('10.3.0.1:50999', 'containerd/2', 20)];
    // the platform manifest of client 1 arrives first: the order of processing must not matter
    await queue.add([events[1]!]);
    await queue.drained(30_000);
    await queue.add([events[0]!, ...events.slice(2)]);
    await queue.drained(30_000);
    assert.deepEqual(await reader.repository('multi/app'), { pulls: 3, pushes: 0 });
    assert.deepEqual(await reader.tags('multi/app'), { latest: { pulls: 3, pushes: 0 } });
  });

  test('excluded actors and user agents are not counted; HEAD counts only with counthead', async () => {
    const { queue, reader } = await setUp('counters:\n  excludeactors: [trivy, "robot$*"]\n  excludeuseragents: ["^Harbor-"]\n');
    await queue.add([
      counterEvent({ repository: 'ex/app', tag: 'v1', actor: 'alice' }),
      counterEvent({ repository: 'ex/app', tag: 'v1', actor: 'trivy', addr: '10.4.0.2:1' }),
      counterEvent({ repository: 'ex/app', tag: 'v1', actor: 'robot$ci', addr: '10.4.0.3:1' }),
      counterEvent({ repository: 'ex/app', tag: 'v1', useragent: 'Harbor-replicator/2.9', addr: '10.4.0.4:1' }),
      counterEvent({ repository: 'ex/app', tag: 'v1', method: 'HEAD', addr: '10.4.0.5:1' }),
      counterEvent({ action: 'push', repository: 'ex/app', tag: 'v1', actor: 'robot$ci' }),
    ]);
    await queue.drained(30_000);
    assert.deepEqual(await reader.repository('ex/app'), { pulls: 1, pushes: 0 });

    const headCounting = await setUp('counters:\n  counthead: true\n');
    const base = Date.now();
    const digest = 'sha256:' + 'c'.repeat(64);
    await headCounting.queue.add([
      // a watcher checking for updates: HEAD by tag only
      counterEvent({ repository: 'head/app', tag: 'v1', method: 'HEAD', digest, addr: '10.5.0.1:1', base }),
      // a client resolving the tag with HEAD, then fetching by digest: one download
      counterEvent({ repository: 'head/app', tag: 'v1', method: 'HEAD', digest, addr: '10.5.0.2:1', base }),
      counterEvent({ repository: 'head/app', method: 'GET', digest, addr: '10.5.0.2:1', base, at: 50 }),
    ]);
    await headCounting.queue.drained(30_000);
    assert.deepEqual(await headCounting.reader.tags('head/app'), { v1: { pulls: 2, pushes: 0 } });
  });

  test('a malformed job fails at once without retries; the events around it still count', async () => {
    const { queue, reader } = await setUp();
    const good = [counterEvent({ repository: 'bad/app', tag: 'a' }), counterEvent({ repository: 'bad/app', tag: 'b', addr: '10.6.0.2:1' })];
    const broken = { ...counterEvent({ repository: 'bad/app', tag: 'c' }), timestamp: 'not a time' };
    await queue.add([good[0]!, broken, good[1]!]);
    await waitFor(async () => (await queue.pending()) === 0 && (await queue.failed()) === 1, 30_000, () => 'broken job not failed');
    const [failed] = await queue.queue.getFailed();
    assert.equal(failed?.attemptsMade, 1);
    assert.match(failed?.failedReason ?? '', /not a date/);
    assert.deepEqual(await reader.repository('bad/app'), { pulls: 2, pushes: 0 });
  });

  test('stopping the role finishes the jobs in flight: nothing half-counted', async () => {
    const { queue, reader, counter, database } = await setUp();
    const events = Array.from({ length: 2000 }, (_, i) => counterEvent({ repository: 'stop/app', tag: 'v1', addr: `10.7.${i >> 8}.${i & 255}:1` }));
    await queue.add(events);
    await waitFor(async () => (await reader.repository('stop/app')).pulls > 0, 30_000, () => 'nothing counted');
    await counter.stop();
    const afterStop = await reader.repository('stop/app');
    const pending = await queue.pending();
    // everything not counted is still queued; everything counted left the queue
    assert.equal(afterStop.pulls + pending, 2000, `${afterStop.pulls} counted + ${pending} pending`);
    const again = await startCounter(
      wharfConfig(`redis:\n  addr: 127.0.0.1:${SHARED_REDIS_PORT}\ndatabase:\n  url: ${database.url}\n  schema: ${database.schema}\n`),
      quietLogger(),
      { prefix: queue.queue.opts.prefix! },
    );
    cleanups.push(() => again.stop());
    await queue.drained(60_000);
    assert.deepEqual(await reader.repository('stop/app'), { pulls: 2000, pushes: 0 });
  });
});
