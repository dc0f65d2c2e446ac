import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunningRole } from '@wharf/observability';
import { start as startCounter } from '@wharf/counter';
import {
  CounterQueue,
  CounterReader,
  PrivatePostgres,
  WharfProcess,
  postgresConfig,
  roleConfigYaml,
  sharedPostgres,
  uniqueSchema,
  workload,
  type Workload,
} from './counter-harness.js';
import { deleteKeys, PrivateRedis, quietLogger, sharedRedis, SHARED_REDIS_PORT, uniquePrefix, waitFor, wharfConfig } from './queue-redis.js';

/** Feeds a workload into the queue in slices, with every 10th event delivered twice. */
async function feed(queue: CounterQueue, load: Workload, sliceSize: number, pauseMs: number): Promise<void> {
  for (let i = 0; i < load.events.length; i += sliceSize) {
    const slice = load.events.slice(i, i + sliceSize);
    await queue.add(slice);
    await queue.add(slice.filter((_, j) => j % 10 === 0), `again-${i}`);
    await sleep(pauseMs);
  }
}

async function assertExact(reader: CounterReader, load: Workload): Promise<void> {
  for (const [repository, counts] of load.expected) assert.deepEqual(await reader.repository(repository), counts, repository);
  assert.deepEqual(await reader.total(), load.total);
}

describe('counter: no loss, no double count across failures', () => {
  before(async () => {
    await sharedRedis();
  });

  test('PostgreSQL stopped and started again mid-stream: exact counts after recovery, no job failed', async () => {
    const pg = await PrivatePostgres.start();
    const prefix = uniquePrefix();
    const database = postgresConfig(pg.port, uniqueSchema());
    let counter: RunningRole | undefined;
    const queue = new CounterQueue((await sharedRedis()), prefix);
    let reader: CounterReader | undefined;
    try {
      counter = await startCounter(
        wharfConfig(`redis:\n  addr: 127.0.0.1:${SHARED_REDIS_PORT}\ndatabase:\n  url: ${database.url}\n  schema: ${database.schema}\n`),
        quietLogger(),
        { prefix },
      );
      reader = await CounterReader.open(database);
      const load = workload(3000);
      const feeding = feed(queue, load, 100, 15);
      await waitFor(async () => (await reader!.total()).pulls > 300, 60_000, () => 'counting did not start');
      await pg.stop();
      await sleep(4_000); // events keep arriving while the database is down
      const queuedDuringOutage = await queue.pending();
      await pg.start();
      await feeding;
      await queue.drained(120_000);
      await assertExact(reader, load);
      assert.equal(await queue.failed(), 0);
      assert.ok(queuedDuringOutage > 0, 'events were waiting while PostgreSQL was down');
    } finally {
      await counter?.stop();
      await reader?.close().catch(() => undefined);
      await queue.close();
      await deleteKeys(SHARED_REDIS_PORT, prefix);
      await pg.dispose();
    }
  });

  describe('the counter process SIGKILLed mid-stream, twice, and restarted', () => {
    let redis: PrivateRedis;
    let reader: CounterReader;
    let worker: WharfProcess;
    let schema: string;

    before(async () => {
      redis = await PrivateRedis.start();
      const pgPort = await sharedPostgres();
      schema = uniqueSchema();
      const database = postgresConfig(pgPort, schema);
      worker = new WharfProcess(roleConfigYaml(redis.port, database), 'counter', 'msg="counter started"');
      reader = await CounterReader.open(database);
    });

    after(async () => {
      await worker?.dispose();
      await reader?.dropSchemaAndClose(schema).catch(() => undefined);
      await redis?.dispose();
    });

    test('exact counts after recovery; no job failed', async () => {
      const queue = new CounterQueue(redis.config);
      try {
        const load = workload(4000);
        await worker.start();
        const feeding = feed(queue, load, 200, 10);
        for (const threshold of [600, 2000]) {
          await waitFor(async () => (await reader.total()).pulls > threshold, 60_000, () => `not past ${threshold}: ${worker.logs.slice(-2000)}`);
          await worker.kill('SIGKILL');
          const atKill = await reader.total();
          assert.ok(atKill.pulls < load.total.pulls, `killed mid-stream (${atKill.pulls} of ${load.total.pulls} counted)`);
          await sleep(500);
          await worker.start();
        }
        await feeding;
        // jobs the killed workers held are taken over once their locks expire (about 15 s)
        await queue.drained(120_000);
        await assertExact(reader, load);
        assert.equal(await queue.failed(), 0);
      } finally {
        await queue.close();
      }
    });
  });
});
