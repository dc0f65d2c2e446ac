import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisConfig } from '@wharf/config';
import type { RegistryEvent } from '@wharf/events';
import { start as startIndexer } from '@wharf/indexer';
import type { RunningRole } from '@wharf/observability';
import { counterEvent } from './counter-harness.js';
import { elasticsearchYaml, EventIndexProbe, IndexerQueue, PrivateElasticsearch, uniqueIndexPrefix } from './indexer-harness.js';
import { deleteKeys, quietLogger, sharedRedis, SHARED_REDIS_PORT, uniquePrefix, waitFor, wharfConfig } from './queue-redis.js';

/*
 * Elasticsearch stopped in the middle of a stream of events and started again: no event is lost,
 * none is indexed twice, no job fails. Uses an Elasticsearch node of its own so stopping it
 * disturbs no other suite.
 */
describe('indexer: Elasticsearch outage mid-stream', () => {
  let redis: RedisConfig;
  let es: PrivateElasticsearch | undefined;
  let indexer: RunningRole | undefined;
  let queue: IndexerQueue | undefined;
  let probe: EventIndexProbe | undefined;
  const queuePrefix = uniquePrefix();

  before(async () => {
    redis = await sharedRedis();
    es = await PrivateElasticsearch.start();
  });

  after(async () => {
    await indexer?.stop().catch(() => undefined);
    await queue?.close().catch(() => undefined);
    await deleteKeys(SHARED_REDIS_PORT, queuePrefix).catch(() => undefined);
    await probe?.dispose().catch(() => undefined);
    await es?.dispose();
  });

  test('events queued before, during and after the outage are all indexed exactly once', async () => {
    const node = es!;
    const indexPrefix = uniqueIndexPrefix();
    probe = new EventIndexProbe(node.url, indexPrefix);
    const config = wharfConfig(`redis:\n  addr: 127.0.0.1:${SHARED_REDIS_PORT}\n${elasticsearchYaml(node.url, indexPrefix)}`);
    indexer = await startIndexer(config, quietLogger(), { prefix: queuePrefix });
    queue = new IndexerQueue(redis, queuePrefix);

    const batch = (n: number, label: string): RegistryEvent[] =>
      Array.from({ length: n }, (_, i) => counterEvent({ action: i % 3 === 0 ? 'push' : 'pull', repository: `outage/${label}`, tag: `v${i % 4}`, at: i }));
    const before = batch(1_000, 'before');
    const during = batch(1_500, 'during');
    const afterwards = batch(500, 'after');

    // a stream in progress: the first events are being indexed when the node goes down
    await queue.add(before.slice(0, 600));
    await probe.waitForCount(600, 30_000);
    const adding = queue.add(before.slice(600));
    await node.stop();
    await adding;
    await queue.add(during);

    // while it is down nothing fails and nothing is dropped: the jobs wait (held or queued)
    await sleep(5_000);
    assert.equal((await queue.failed()).length, 0, 'no job failed during the outage');
    const pending = await queue.pending();
    assert.ok(pending > 0, 'events wait in the queue while Elasticsearch is down');

    await node.start();
    await queue.add(afterwards);
    const total = before.length + during.length + afterwards.length;
    await probe.waitForCount(total, 120_000);
    await queue.drained(60_000);
    assert.equal((await queue.failed()).length, 0, 'no job failed after the outage');

    // exactly once: every id present, and nothing more
    await waitFor(async () => (await probe!.count()) === total, 5_000, () => 'count changed after draining');
    for (const event of [before[0]!, before[999]!, during[0]!, during[1_499]!, afterwards[499]!]) {
      assert.ok(await probe.document(event.id), `event ${event.target.repository} ${event.id} is indexed`);
    }
    const { json } = await probe.request('POST', `/${probe.alias}/_search`, {
      size: 0,
      aggs: { repositories: { terms: { field: 'repository' } } },
    });
    const perRepository = Object.fromEntries((json['aggregations']['repositories']['buckets'] as { key: string; doc_count: number }[]).map((b) => [b.key, b.doc_count]));
    assert.deepEqual(perRepository, { 'outage/before': 1_000, 'outage/during': 1_500, 'outage/after': 500 });
  });
});
