import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { RedisConfig } from '@wharf/config';
import type { RegistryEvent } from '@wharf/events';
import { start as startIndexer } from '@wharf/indexer';
import type { RunningRole } from '@wharf/observability';
import { eventIndexFor } from '@wharf/search';
import { counterEvent, LAYER } from './counter-harness.js';
import { elasticsearchYaml, EventIndexProbe, IndexerQueue, sharedElasticsearch, uniqueIndexPrefix } from './indexer-harness.js';
import { deleteKeys, quietLogger, sharedRedis, SHARED_REDIS_PORT, uniquePrefix, waitFor, wharfConfig } from './queue-redis.js';

/*
 * Events through the real queue (shared Redis, a unique key prefix per test) into the indexer role
 * (in this process) and the shared Elasticsearch (a unique index prefix per test).
 */
describe('indexer: events through the real queue into Elasticsearch', () => {
  let redis: RedisConfig;
  let esUrl: string;
  const cleanups: (() => Promise<void>)[] = [];

  before(async () => {
    redis = await sharedRedis();
    esUrl = await sharedElasticsearch();
  });

  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined);
  });

  after(async () => {
    while (cleanups.length > 0) await cleanups.pop()!().catch(() => undefined);
  });

  async function setUp(): Promise<{ queue: IndexerQueue; probe: EventIndexProbe; indexer: RunningRole }> {
    const queuePrefix = uniquePrefix();
    const indexPrefix = uniqueIndexPrefix();
    const config = wharfConfig(`redis:\n  addr: 127.0.0.1:${SHARED_REDIS_PORT}\n${elasticsearchYaml(esUrl, indexPrefix)}`);
    const probe = new EventIndexProbe(esUrl, indexPrefix);
    const indexer = await startIndexer(config, quietLogger(), { prefix: queuePrefix });
    let stopped = false;
    const stop = async (): Promise<void> => {
      if (!stopped) await indexer.stop();
      stopped = true;
    };
    const queue = new IndexerQueue(redis, queuePrefix);
    cleanups.push(async () => {
      await stop();
      await queue.close();
      await deleteKeys(SHARED_REDIS_PORT, queuePrefix);
      await probe.dispose();
    });
    return { queue, probe, indexer: { name: indexer.name, stop } };
  }

  test('the index template is installed at start with explicit mappings, and every month index gets them and the alias', async () => {
    const { queue, probe } = await setUp();
    const { status, json } = await probe.request('GET', `/_index_template/${probe.prefix}-events`);
    assert.equal(status, 200);
    const template = json['index_templates'][0]['index_template'];
    assert.deepEqual(template['index_patterns'], [`${probe.prefix}-events-*`]);
    assert.deepEqual(Object.keys(template['template']['aliases']), [probe.alias]);
    const expectedTypes = {
      id: 'keyword',
      timestamp: 'date',
      action: 'keyword',
      repository: 'keyword',
      tag: 'keyword',
      digest: 'keyword',
      mediaType: 'keyword',
      size: 'long',
      actor: 'keyword',
      clientAddr: 'keyword',
      clientIp: 'ip',
      userAgent: 'keyword',
      host: 'keyword',
      method: 'keyword',
      requestId: 'keyword',
      sourceInstance: 'keyword',
      text: 'text',
    };
    const typesOf = (properties: Record<string, { type?: string }>): Record<string, string | undefined> =>
      Object.fromEntries(Object.keys(expectedTypes).map((field) => [field, properties[field]?.type]));
    const mappings = template['template']['mappings'];
    assert.equal(String(mappings['dynamic']), 'false');
    assert.deepEqual(typesOf(mappings['properties']), expectedTypes);
    assert.deepEqual(mappings['properties']['repository']['copy_to'], ['text']);

    // an event of November 2025 and one of January 2026: two month indices, one alias, same mappings
    const events = [
      counterEvent({ action: 'push', repository: 'months/a', tag: 'v1', base: Date.parse('2025-11-30T23:59:59.500Z') }),
      counterEvent({ action: 'pull', repository: 'months/a', tag: 'v1', base: Date.parse('2026-01-01T00:00:00.250Z') }),
    ];
    await queue.add(events);
    await probe.waitForCount(2, 30_000);
    // the events' months, plus this month and the next, made ahead by the indexer
    const now = new Date();
    const expectedIndices = [
      Date.parse('2025-11-15T00:00:00Z'),
      Date.parse('2026-01-15T00:00:00Z'),
      now.getTime(),
      Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1),
    ].map((t) => eventIndexFor(probe.prefix, t));
    assert.deepEqual(await probe.indices(), [...new Set(expectedIndices)].sort());
    const { json: indexMapping } = await probe.request('GET', `/${probe.prefix}-events-2026.01/_mapping`);
    assert.deepEqual(typesOf(indexMapping[`${probe.prefix}-events-2026.01`]['mappings']['properties']), expectedTypes);
  });

  test('N events give exactly N documents; delivering them all again leaves exactly N', async () => {
    const { queue, probe } = await setUp();
    const N = 3_000;
    const base = Date.parse('2025-11-20T12:00:00Z');
    const events: RegistryEvent[] = [];
    for (let i = 0; i < N; i++) {
      events.push(
        counterEvent({
          action: i % 4 === 0 ? 'push' : 'pull',
          repository: `team/app-${i % 13}`,
          tag: `v${i % 5}`,
          addr: i % 2 === 0 ? `10.0.${(i >> 8) & 255}.${i & 255}:5${i % 1000}` : `[2001:db8::${(i % 65_000).toString(16)}]:443`,
          actor: `user-${i % 7}`,
          base,
          at: i * 10,
        }),
      );
    }
    await queue.add(events);
    await probe.waitForCount(N, 60_000);
    await queue.drained(30_000);
    assert.equal((await queue.failed()).length, 0);

    // the document carries the mapped fields and the envelope as received
    const sample = events[2]!;
    const doc = await probe.document(sample.id);
    assert.ok(doc, 'the sample event is indexed under its own id');
    assert.equal(doc['_id'], sample.id);
    assert.equal(doc['_source']['repository'], sample.target.repository);
    assert.equal(doc['_source']['clientAddr'], sample.request.addr);
    assert.equal(doc['_source']['clientIp'], sample.request.addr.split(':')[0]);
    assert.deepEqual(doc['_source']['event'], sample);
    const v6 = await probe.document(events[3]!.id);
    assert.equal(v6?.['_source']['clientIp'], `2001:db8::${(3).toString(16)}`);

    // a replay: the same events under new job ids (as after the originals were trimmed)
    await queue.add(events, 'replay-1');
    await queue.drained(60_000);
    assert.equal(await probe.count(), N);
    // and once more under the original ids: BullMQ keeps completed ids only for a while; either way, N
    await queue.add(events.slice(0, 500));
    await queue.drained(60_000);
    assert.equal(await probe.count(), N);
    assert.equal((await queue.failed()).length, 0);
  });

  test('an event Elasticsearch can never map fails for good (UnrecoverableError) without holding up the others', async () => {
    const { queue, probe } = await setUp();
    const good = Array.from({ length: 20 }, (_, i) => counterEvent({ repository: 'ok/app', mediaType: LAYER, at: i }));
    // parseable by JavaScript, refused by the date mapping (not RFC 3339): a 400 from _bulk
    const unmappable = { ...counterEvent({ repository: 'bad/date' }), timestamp: 'Sun, 23 Nov 2025 10:00:00 GMT' };
    // not an event at all
    const garbage = { ...counterEvent({ repository: 'bad/shape' }), target: undefined } as unknown as RegistryEvent;
    await queue.add([...good, unmappable, garbage]);
    await probe.waitForCount(good.length, 30_000);
    await waitFor(async () => (await queue.failed()).length === 2, 30_000, () => 'the two bad jobs did not fail');
    const failed = await queue.failed();
    const reasons = new Map(failed.map((job) => [job.data.id, job.failedReason]));
    assert.match(reasons.get(unmappable.id) ?? '', /elasticsearch refused event .*(document_parsing_exception|mapper_parsing_exception)/);
    assert.match(reasons.get(garbage.id) ?? '', /no target repository/);
    // permanent: one attempt, not the queue's sixteen
    for (const job of failed) assert.equal(job.attemptsMade, 1, `${job.data.id} was retried`);
    await queue.drained(10_000);
    assert.equal(await probe.count(), good.length);
  });
});
