/*
 * Measures the counter on this machine (not a test; speed is never asserted in a timed test):
 *   node test/dist/pipeline/counter-throughput.measure.js [units=20000] [maxBatch=200] [parallel=1]
 * Queues a Docker-like workload (counter-harness.ts `workload`: HEAD, manifest and blob GETs as
 * Docker 20.10+ sends them, ~3 events per download or push) into the counter's queue, then starts the counter role and times it until the queue is
 * drained; checks the counts are exact. Shared Redis (unique prefix) and PostgreSQL (unique schema).
 */
import { start as startCounter } from '@wharf/counter';
import { CounterQueue, CounterReader, postgresConfig, sharedPostgres, uniqueSchema, workload } from './counter-harness.js';
import { deleteKeys, quietLogger, SHARED_REDIS_PORT, sharedRedis, uniquePrefix, wharfConfig } from './queue-redis.js';

const [units = 20_000, maxBatch = 200, parallel = 1] = process.argv.slice(2).map(Number);

async function main(): Promise<void> {
  const redis = await sharedRedis();
  const database = postgresConfig(await sharedPostgres(), uniqueSchema());
  const prefix = uniquePrefix();
  const queue = new CounterQueue(redis, prefix);
  const reader = await CounterReader.open(database);
  const load = workload(units);
  try {
    for (let i = 0; i < load.events.length; i += 1_000) await queue.add(load.events.slice(i, i + 1_000));
    const config = wharfConfig(`redis:\n  addr: 127.0.0.1:${SHARED_REDIS_PORT}\ndatabase:\n  url: ${database.url}\n  schema: ${database.schema}\n`);
    const started = performance.now();
    const counter = await startCounter(config, quietLogger(), { prefix, maxBatch, parallel });
    await queue.drained(600_000);
    const seconds = (performance.now() - started) / 1_000;
    await counter.stop();
    const total = await reader.total();
    const exact = total.pulls === load.total.pulls && total.pushes === load.total.pushes;
    process.stdout.write(
      `${load.events.length} events (${units} units: ${load.total.pulls} downloads, ${load.total.pushes} pushes), maxBatch ${maxBatch}, parallel ${parallel}: ${seconds.toFixed(2)} s, ` +
        `${Math.round(load.events.length / seconds)} events/s; counts ${exact ? 'exact' : `WRONG ${JSON.stringify(total)} vs ${JSON.stringify(load.total)}`}\n`,
    );
    if (!exact) process.exitCode = 1;
  } finally {
    await queue.close();
    await deleteKeys(SHARED_REDIS_PORT, prefix);
    await reader.dropSchemaAndClose(database.schema!);
  }
}

await main();
