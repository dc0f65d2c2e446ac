/*
 * Measures the indexer on this machine (not a test; speed is never asserted in a timed test):
 *   node test/dist/pipeline/indexer-throughput.measure.js [events=50000]
 * Queues registry-shaped events into the indexer's queue (shared Redis, unique key prefix), then
 * starts the indexer role and times it until every event is a document in the shared Elasticsearch
 * (unique index prefix); checks the count is exact, then deletes the indices and keys.
 */
import { start as startIndexer } from '@wharf/indexer';
import { counterEvent } from './counter-harness.js';
import { elasticsearchYaml, EventIndexProbe, IndexerQueue, sharedElasticsearch, uniqueIndexPrefix } from './indexer-harness.js';
import { deleteKeys, quietLogger, SHARED_REDIS_PORT, sharedRedis, uniquePrefix, wharfConfig } from './queue-redis.js';

const [total = 50_000] = process.argv.slice(2).map(Number);

async function main(): Promise<void> {
  const redis = await sharedRedis();
  const esUrl = await sharedElasticsearch();
  const queuePrefix = uniquePrefix();
  const probe = new EventIndexProbe(esUrl, uniqueIndexPrefix());
  const queue = new IndexerQueue(redis, queuePrefix);
  const base = Date.now() - total;
  const events = Array.from({ length: total }, (_, i) =>
    counterEvent({
      action: i % 4 === 0 ? 'push' : 'pull',
      repository: `load/repo-${i % 50}`,
      tag: `v${i % 10}`,
      actor: `user-${i % 20}`,
      addr: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:40000`,
      base,
      at: i,
    }),
  );
  try {
    await queue.add(events);
    const config = wharfConfig(`redis:\n  addr: 127.0.0.1:${SHARED_REDIS_PORT}\n${elasticsearchYaml(esUrl, probe.prefix)}`);
    const started = performance.now();
    const indexer = await startIndexer(config, quietLogger(), { prefix: queuePrefix });
    await queue.drained(600_000);
    const seconds = (performance.now() - started) / 1_000;
    await indexer.stop();
    const count = await probe.count();
    const failed = (await queue.failed()).length;
    process.stdout.write(
      `${total} events indexed in ${seconds.toFixed(2)} s: ${Math.round(total / seconds)} events/s; ` +
        `${count === total && failed === 0 ? 'exactly once' : `WRONG: ${count} documents, ${failed} failed jobs`}\n`,
    );
    if (count !== total || failed !== 0) process.exitCode = 1;
  } finally {
    await queue.close();
    await deleteKeys(SHARED_REDIS_PORT, queuePrefix);
    await probe.dispose();
  }
}

await main();
