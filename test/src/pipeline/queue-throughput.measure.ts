/*
 * Measures the event transport on this machine (not a test; speed is never asserted in a timed test):
 *   node test/dist/pipeline/queue-throughput.measure.js [seconds=10] [rate=2000] [burst=50000]
 * 1. publish latency (spool append, what a registry request waits for) at a steady `rate`
 *    events/s, one event per publish as one request makes, with the forwarder running;
 * 2. end-to-end throughput: `burst` events published as fast as possible by 64 concurrent
 *    publishers, until every one is a job in every queue (indexer, counter, deployer, one endpoint).
 * Uses the shared test Redis (scripts/redis.sh) under a unique prefix, deleted afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { internalQueueName, InternalConsumer } from '@wharf/events';
import { EventPipeline, QueueCatalog, closeConnection, createRedisConnection, queueRoutes } from '@wharf/queue';
import { deleteKeys, makeEvent, quietLogger, SHARED_REDIS_PORT, sharedRedis, uniquePrefix, wharfConfig } from './queue-redis.js';

const [seconds = 10, rate = 2_000, burst = 50_000] = process.argv.slice(2).map(Number);

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

async function main(): Promise<void> {
  await sharedRedis();
  const prefix = uniquePrefix();
  const dir = mkdtempSync(join(tmpdir(), 'wharf-measure-'));
  const config = wharfConfig(
    `redis:\n  addr: 127.0.0.1:${SHARED_REDIS_PORT}\nelasticsearch:\n  urls: [http://127.0.0.1:1]\ndatabase:\n  url: postgres://x:y@127.0.0.1:1/db\n` +
      `notifications:\n  endpoints:\n    - {name: hook, url: "http://127.0.0.1:1/"}\n`,
  );
  const pipeline = (await EventPipeline.start(config, quietLogger(), { prefix, spoolDirectory: dir, deliverEndpoints: false }))!;
  const connection = createRedisConnection(config.redis!, 'producer');
  const catalog = new QueueCatalog(connection, queueRoutes(config), prefix);
  const indexer = catalog.queue(internalQueueName(InternalConsumer.Indexer));
  try {
    // 1. steady rate
    const latencies: number[] = [];
    const total = seconds * rate;
    const started = performance.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const t0 = performance.now();
      inflight.push(pipeline.sink.publish([makeEvent(i)]).then(() => void latencies.push(performance.now() - t0)));
    }
    await Promise.all(inflight);
    const publishDone = performance.now();
    while ((await indexer.getWaitingCount()) < total) await sleep(10);
    const drained = performance.now();
    latencies.sort((a, b) => a - b);
    console.log(
      `steady ${rate} events/s for ${seconds} s: publish (spool append) p50 ${percentile(latencies, 0.5).toFixed(2)} ms, ` +
        `p99 ${percentile(latencies, 0.99).toFixed(2)} ms, max ${latencies.at(-1)!.toFixed(2)} ms; ` +
        `achieved ${(total / ((publishDone - started) / 1000)).toFixed(0)} events/s; queues caught up ${(drained - publishDone).toFixed(0)} ms after the last publish`,
    );
    for (const name of catalog.names()) await catalog.queue(name).obliterate({ force: true });

    // 2. burst: as fast as it goes
    const burstStart = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < burst) {
          const n = next++;
          await pipeline.sink.publish([makeEvent(n)]);
        }
      }),
    );
    const spooled = performance.now();
    while ((await indexer.getWaitingCount()) < burst) await sleep(10);
    const done = performance.now();
    const routes = catalog.names().length;
    console.log(
      `burst of ${burst}: spooled at ${(burst / ((spooled - burstStart) / 1000)).toFixed(0)} events/s; ` +
        `end to end (spool -> forwarder -> ${routes} queues + replay log) ${(burst / ((done - burstStart) / 1000)).toFixed(0)} events/s, ` +
        `${((burst * routes) / ((done - burstStart) / 1000)).toFixed(0)} jobs/s`,
    );
  } finally {
    await pipeline.stop();
    await catalog.close();
    await closeConnection(connection);
    await deleteKeys(SHARED_REDIS_PORT, prefix);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
