import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { acquireDataSource, DELIVERY_RETENTION_BATCH } from '@wharf/db';
import { QUEUE_PREFIX } from '@wharf/events';
import { WharfProcess } from './counter-harness.js';
import { dropSchema, POSTGRES_URL, sharedPostgres, TEST_HTTP_SECRET, uniqueSchema, WebhookTables } from './deployer-fixtures.js';
import { elasticsearchYaml, EventIndexProbe, IndexerQueue, sharedElasticsearch, uniqueIndexPrefix } from './indexer-harness.js';
import { makeEvent, PrivateRedis, waitFor, wharfConfig } from './queue-redis.js';

/*
 * Retention as an operator turns it on: data piles up without it, then the role restarts with the
 * key set and deletes what is past the retention, and nothing recent. Real Elasticsearch (the shared
 * node, an index prefix of this test's own) and real PostgreSQL (a schema of its own); each role is a
 * `wharf serve` process on a Redis of the test's own, so no other suite's jobs are touched.
 */

const DAY_MS = 86_400_000;

/** Mid-month of the UTC month `back` months before now: far from any month boundary. */
function monthsAgo(back: number): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 15, 12));
}

function monthIndex(prefix: string, at: Date): string {
  return `${prefix}-events-${at.getUTCFullYear()}.${String(at.getUTCMonth() + 1).padStart(2, '0')}`;
}

describe('retention', () => {
  let redis: PrivateRedis;

  before(async () => {
    redis = await PrivateRedis.start();
  });

  after(async () => {
    await redis?.dispose();
  });

  test('elasticsearch.retention: 13mo deletes the months that ended more than 13 months ago and keeps the rest', async (t) => {
    const esUrl = await sharedElasticsearch();
    const prefix = uniqueIndexPrefix();
    const probe = new EventIndexProbe(esUrl, prefix);
    const queue = new IndexerQueue(redis.config, QUEUE_PREFIX);
    const base = `version: 0.1\nlog:\n  level: info\nstorage:\n  inmemory:\nredis:\n  addr: 127.0.0.1:${redis.port}\n${elasticsearchYaml(esUrl, prefix)}`;
    const processes: WharfProcess[] = [];
    t.after(async () => {
      for (const wharf of processes) await wharf.dispose();
      await queue.close();
      await probe.dispose();
    });

    // 14 and 36 months back ended more than 13 months ago; 12 months back and this month did not
    const months = { old: monthsAgo(36), expired: monthsAgo(14), kept: monthsAgo(12), current: new Date() };
    const perMonth = 5;
    const events = Object.values(months).flatMap((at, m) =>
      Array.from({ length: perMonth }, (_, i) => makeEvent(m * 10 + i, { timestamp: new Date(at.getTime() + i * 1_000).toISOString() })),
    );

    const indexer = new WharfProcess(base, 'indexer', 'indexer started');
    processes.push(indexer);
    await indexer.start();
    await queue.add(events);
    await probe.waitForCount(events.length, 60_000);
    const before = await probe.indices();
    for (const at of Object.values(months)) assert.ok(before.includes(monthIndex(prefix, at)), `no index for ${at.toISOString()} among ${before.join(', ')}`);
    await indexer.dispose();

    const retained = new WharfProcess(`${base}  retention: 13mo\n`, 'indexer', 'indexer started');
    processes.push(retained);
    await retained.start();
    let indices: string[] = [];
    await waitFor(
      async () => {
        indices = await probe.indices();
        return !indices.includes(monthIndex(prefix, months.old)) && !indices.includes(monthIndex(prefix, months.expired));
      },
      60_000,
      () => `expected ${monthIndex(prefix, months.old)} and ${monthIndex(prefix, months.expired)} deleted; indices: ${indices.join(', ')}`,
    );
    assert.ok(indices.includes(monthIndex(prefix, months.kept)), `${monthIndex(prefix, months.kept)} must stay: ${indices.join(', ')}`);
    assert.ok(indices.includes(monthIndex(prefix, months.current)), `this month must stay: ${indices.join(', ')}`);
    assert.equal(await probe.count(), 2 * perMonth, 'the kept months still hold every one of their events');
    assert.match(retained.logs, /deleted monthly event indices past the retention/);
  });

  test('webhooks.deliveryretention: 30d deletes older delivery attempts in bounded batches and keeps the recent ones', async (t) => {
    await sharedPostgres();
    const schema = uniqueSchema();
    const config = wharfConfig(`http:\n  secret: ${TEST_HTTP_SECRET}\ndatabase:\n  url: ${POSTGRES_URL}\n  schema: ${schema}\n`);
    const tables = await WebhookTables.open(config); // migrates the schema, as any role would at start
    const lease = await acquireDataSource(config.database!, { applicationName: 'wharf-test' });
    const ds = lease.dataSource;
    const processes: WharfProcess[] = [];
    t.after(async () => {
      for (const wharf of processes) await wharf.dispose();
      await lease.release();
      await tables.release();
      await dropSchema(config);
    });

    const subscription = await tables.subscribe('http://127.0.0.1:9/hook');
    // older than 30 days: more than two full batches, spread from 31 days to two years back
    const oldRows = 2 * DELIVERY_RETENTION_BATCH + 500;
    const recentRows = 300;
    const insert = (count: number, fromDays: number, toDays: number) =>
      ds.query(
        `INSERT INTO webhook_deliveries (id, subscription_id, event_id, action, kind, attempt, success, status_code, request_url, request_headers, event, delivered_at)
         SELECT gen_random_uuid(), $1, 'evt-' || n, 'push', 'event', 1, true, 200, 'http://127.0.0.1:9/hook', '{}'::jsonb, '{}'::jsonb,
                now() - make_interval(days => $3) + (n::float / $2) * make_interval(days => $3 - $4)
         FROM generate_series(0, $2 - 1) AS n`,
        [subscription.id, count, fromDays, toDays],
      );
    await insert(oldRows, 730, 31);
    await insert(recentRows, 29, 0);
    const counts = async () => {
      const [row] = (await ds.query(
        `SELECT count(*) FILTER (WHERE delivered_at < now() - interval '30 days')::int AS old, count(*) FILTER (WHERE delivered_at >= now() - interval '30 days')::int AS recent FROM webhook_deliveries`,
      )) as { old: number; recent: number }[];
      return row!;
    };
    assert.deepEqual(await counts(), { old: oldRows, recent: recentRows });

    const deployer = new WharfProcess(
      `version: 0.1\nlog:\n  level: info\nstorage:\n  inmemory:\nredis:\n  addr: 127.0.0.1:${redis.port}\n` +
        `http:\n  secret: ${TEST_HTTP_SECRET}\ndatabase:\n  url: ${POSTGRES_URL}\n  schema: ${schema}\nwebhooks:\n  deliveryretention: 30d\n`,
      'deployer',
      'deployer started',
    );
    processes.push(deployer);
    await deployer.start();
    let last = { old: -1, recent: -1 };
    await waitFor(
      async () => {
        last = await counts();
        return last.old === 0;
      },
      60_000,
      () => `old attempts left after the deployer's retention run: ${last.old} of ${oldRows}`,
    );
    assert.equal(last.recent, recentRows, 'every attempt of the last 30 days stays');
    const line = deployer.logs.split('\n').find((l) => l.includes('deleted webhook delivery attempts past the retention'));
    assert.ok(line !== undefined, `no retention log line in:\n${deployer.logs.slice(-2_000)}`);
    const logged = JSON.parse(line) as { deleted: number; batches: number };
    assert.equal(logged.deleted, oldRows);
    assert.ok(logged.batches >= 3, `expected at least 3 batches of at most ${DELIVERY_RETENTION_BATCH}, the log says ${logged.batches}`);
    // the subscription's own log page reads what is left
    const page = await tables.deliveries.page(subscription.id, recentRows + 10);
    assert.equal(page.items.length, recentRows);
  });
});
