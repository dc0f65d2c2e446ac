import 'reflect-metadata';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DataSource } from 'typeorm';
import type { DatabaseConfig } from '@wharf/config';
import { openDataSource } from '@wharf/db';
import type { CountableRequest, RequestKind } from './download-rule.js';
import { PostgresCounterStore } from './postgres-counter.store.js';

// The download rule against real PostgreSQL, one schema per test, no queue in between.
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const DATABASE: DatabaseConfig = { url: 'postgres://wharf:wharf@127.0.0.1:5439/wharf_test' };
const opened: DataSource[] = [];
const schemas: string[] = [];

before(() => {
  execFileSync('bash', [`${repoRoot}scripts/postgres.sh`, 'start'], { stdio: 'pipe', timeout: 120_000 });
});

after(async () => {
  for (const ds of opened) if (ds.isInitialized) await ds.destroy();
  const admin = await openDataSource(DATABASE, { poolSize: 1 });
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.destroy();
});

async function freshStore(): Promise<{ store: PostgresCounterStore; ds: DataSource; schema: string }> {
  const schema = `wharf_counter_store_${randomBytes(4).toString('hex')}`;
  schemas.push(schema);
  const ds = await openDataSource(DATABASE, { schema, poolSize: 4 });
  opened.push(ds);
  return { store: new PostgresCounterStore(ds), ds, schema };
}

let ids = 0;
const T0 = Date.parse('2025-06-01T12:00:00.000Z');
const INDEX_DIGEST = 'sha256:1111';
const CHILD_DIGEST = 'sha256:2222';

function req(o: {
  action?: 'pull' | 'push';
  repo?: string;
  client?: string;
  kind?: RequestKind;
  method?: string;
  digest?: string;
  tag?: string;
  at?: number;
  hint?: boolean;
}): CountableRequest {
  const occurredAt = new Date(T0 + (o.at ?? 0));
  return {
    eventId: `ev-${++ids}`,
    action: o.action ?? 'pull',
    repository: o.repo ?? 'lib/app',
    client: o.client ?? '10.0.0.1 docker/27',
    kind: o.kind ?? 'image',
    method: o.method ?? (o.action === 'push' ? 'PUT' : 'GET'),
    digest: o.digest ?? CHILD_DIGEST,
    tag: o.tag ?? '',
    occurredAt,
    day: occurredAt.toISOString().slice(0, 10),
    hint: o.hint ?? false,
  };
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/** docker pull of a multi-platform image: the index by tag, then the platform manifest by digest. */
function multiPlatformPull(client: string, at: number, tag = 'latest', repo = 'lib/app'): CountableRequest[] {
  return [
    req({ client, repo, kind: 'index', digest: INDEX_DIGEST, tag, at }),
    req({ client, repo, kind: 'image', digest: CHILD_DIGEST, at: at + 150 }),
  ];
}

async function totals(ds: DataSource, repo = 'lib/app'): Promise<{ pulls: number; pushes: number }> {
  const rows: { pulls: number; pushes: number }[] = await ds.query(
    `SELECT pulls::int, pushes::int FROM counter_repository WHERE repository = $1`,
    [repo],
  );
  return rows[0] ?? { pulls: 0, pushes: 0 };
}

async function byTag(ds: DataSource, repo = 'lib/app'): Promise<Record<string, { pulls: number; pushes: number }>> {
  const rows: { tag: string; pulls: number; pushes: number }[] = await ds.query(
    `SELECT tag, sum(pulls)::int AS pulls, sum(pushes)::int AS pushes FROM counter_tag_day WHERE repository = $1 GROUP BY tag`,
    [repo],
  );
  return Object.fromEntries(rows.filter((r) => r.pulls !== 0 || r.pushes !== 0).map((r) => [r.tag, { pulls: r.pulls, pushes: r.pushes }]));
}

describe('PostgresCounterStore: the download rule', () => {
  test('a multi-platform pull is one download for its tag, whichever half is processed first', async () => {
    for (const order of ['index first', 'child first', 'one batch', 'one batch reversed'] as const) {
      const { store, ds } = await freshStore();
      const [index, child] = multiPlatformPull('10.0.0.1 docker/27', 0);
      if (order === 'index first') {
        await store.record([index!]);
        await store.record([child!]);
      } else if (order === 'child first') {
        await store.record([child!]);
        await store.record([index!]);
      } else {
        await store.record(order === 'one batch' ? [index!, child!] : [child!, index!]);
      }
      assert.deepEqual(await totals(ds), { pulls: 1, pushes: 0 }, order);
      assert.deepEqual(await byTag(ds), { latest: { pulls: 1, pushes: 0 } }, order);
    }
  });

  test('two clients (another address, or another user agent) are two downloads', async () => {
    const { store, ds } = await freshStore();
    await store.record([...multiPlatformPull('10.0.0.1 docker/27', 0), ...multiPlatformPull('10.0.0.2 docker/27', 10)]);
    await store.record(multiPlatformPull('10.0.0.1 containerd/2', 20));
    assert.deepEqual(await totals(ds), { pulls: 3, pushes: 0 });
  });

  test('a platform manifest fetched more than 60 s after the index counts on its own (by digest)', async () => {
    const { store, ds } = await freshStore();
    await store.record([req({ kind: 'index', digest: INDEX_DIGEST, tag: 'latest', at: 0 }), req({ at: 60_001 })]);
    assert.deepEqual(await byTag(ds), { latest: { pulls: 1, pushes: 0 }, '': { pulls: 1, pushes: 0 } });
  });

  test('two docker pulls by tag are two downloads, even a second apart', async () => {
    const { store, ds } = await freshStore();
    await store.record([...multiPlatformPull('10.0.0.1 docker/27', 0), ...multiPlatformPull('10.0.0.1 docker/27', 1_000)]);
    await store.record([req({ tag: 'v1', digest: 'sha256:s', at: 5_000 }), req({ tag: 'v1', digest: 'sha256:s', at: 6_000 })]);
    assert.deepEqual(await byTag(ds), { latest: { pulls: 2, pushes: 0 }, v1: { pulls: 2, pushes: 0 } });
  });

  test('HEAD by tag then GET of what it resolved to is one download (counthead)', async () => {
    const { store, ds } = await freshStore();
    await store.record([
      req({ method: 'GET', kind: 'index', digest: INDEX_DIGEST, at: 100 }),
      req({ method: 'HEAD', kind: 'index', digest: INDEX_DIGEST, tag: 'stable', at: 0 }),
      req({ method: 'GET', kind: 'image', digest: CHILD_DIGEST, at: 200 }),
    ]);
    assert.deepEqual(await byTag(ds), { stable: { pulls: 1, pushes: 0 } });
  });

  test('Docker 20.10+ (HEAD by tag, then GET by digest): each pull is one download for the tag, in any order', async () => {
    const { store, ds } = await freshStore();
    const pull = (repo: string, at: number) => [
      req({ repo, method: 'HEAD', digest: 'sha256:d1', tag: 'v1', hint: true, at }),
      req({ repo, digest: 'sha256:d1', at: at + 20 }),
    ];
    for (const [i, order] of [[0, 1], [1, 0]].entries()) {
      const repo = `hint/single-${i}`;
      const events = [...pull(repo, 0), ...pull(repo, 1_000)];
      for (const e of [events[order[0]!]!, events[order[1]!]!, events[2 + order[0]!]!, events[2 + order[1]!]!]) await store.record([e]);
      assert.deepEqual(await totals(ds, repo), { pulls: 2, pushes: 0 }, repo);
      assert.deepEqual(await byTag(ds, repo), { v1: { pulls: 2, pushes: 0 } }, repo);
    }
  });

  test('Docker 20.10+ pulling a multi-platform image (HEAD tag, GET index, GET platform) is one download for the tag, in every order', async () => {
    const { store, ds } = await freshStore();
    const pull = [
      req({ method: 'HEAD', kind: 'index', digest: INDEX_DIGEST, tag: 'latest', hint: true, at: 0 }),
      req({ kind: 'index', digest: INDEX_DIGEST, at: 10 }),
      req({ kind: 'image', digest: CHILD_DIGEST, at: 20 }),
    ];
    for (const [i, order] of permutations([0, 1, 2]).entries()) {
      const repo = `hint/multi-${i}`;
      for (const n of order) await store.record([{ ...pull[n]!, repository: repo, eventId: `${pull[n]!.eventId}-${i}` }]);
      assert.deepEqual(await totals(ds, repo), { pulls: 1, pushes: 0 }, `order ${order.join(',')}`);
      assert.deepEqual(await byTag(ds, repo), { latest: { pulls: 1, pushes: 0 } }, `order ${order.join(',')}`);
    }
  });

  test('a HEAD alone (an update check) is no download; GETs by digest without a HEAD event count each', async () => {
    const { store, ds } = await freshStore();
    await store.record([req({ repo: 'check/app', method: 'HEAD', tag: 'v1', hint: true })]);
    assert.deepEqual(await totals(ds, 'check/app'), { pulls: 0, pushes: 0 });
    await store.record([req({ repo: 'digest/app', digest: 'sha256:d2', at: 0 }), req({ repo: 'digest/app', digest: 'sha256:d2', at: 2_000 })]);
    assert.deepEqual(await byTag(ds, 'digest/app'), { '': { pulls: 2, pushes: 0 } });
  });

  test('Docker reusing a manifest it still has (HEAD by tag, then blob GETs only) is one download for the tag, in every order', async () => {
    const { store, ds } = await freshStore();
    const pull = [
      req({ method: 'HEAD', digest: 'sha256:d3', tag: 'v3', hint: true, at: 0 }),
      req({ kind: 'blob', digest: 'sha256:b1', at: 30 }),
      req({ kind: 'blob', digest: 'sha256:b2', at: 35 }),
    ];
    for (const [i, order] of permutations([0, 1, 2]).entries()) {
      const repo = `cached/app-${i}`;
      for (const n of order) await store.record([{ ...pull[n]!, repository: repo, eventId: `${pull[n]!.eventId}-${i}` }]);
      assert.deepEqual(await byTag(ds, repo), { v3: { pulls: 1, pushes: 0 } }, `order ${order.join(',')}`);
    }
  });

  test('HEAD, manifest GET and blob GETs of one pull are one download, in every order and batching', async () => {
    const { store, ds } = await freshStore();
    const pull = [
      req({ method: 'HEAD', digest: 'sha256:d4', tag: 'v4', hint: true, at: 0 }),
      req({ digest: 'sha256:d4', at: 10 }),
      req({ kind: 'blob', digest: 'sha256:b1', at: 30 }),
      req({ kind: 'blob', digest: 'sha256:b2', at: 35 }),
    ];
    for (const [i, order] of permutations([0, 1, 2, 3]).entries()) {
      const repo = `full/app-${i}`;
      const events = order.map((n) => ({ ...pull[n]!, repository: repo, eventId: `${pull[n]!.eventId}-${i}` }));
      if (i % 2 === 0) for (const e of events) await store.record([e]);
      else await store.record(events);
      assert.deepEqual(await byTag(ds, repo), { v4: { pulls: 1, pushes: 0 } }, `order ${order.join(',')}`);
    }
  });

  test('an update check (HEAD alone) next to a pull: only the pull counts; two cached pulls count two', async () => {
    const { store, ds } = await freshStore();
    const check = req({ repo: 'mixed/app', method: 'HEAD', digest: 'sha256:d5', tag: 'v5', hint: true, at: 0 });
    const head = req({ repo: 'mixed/app', method: 'HEAD', digest: 'sha256:d5', tag: 'v5', hint: true, at: 10_000 });
    const blob = req({ repo: 'mixed/app', kind: 'blob', digest: 'sha256:b1', at: 10_050 });
    for (const e of [blob, head, check]) await store.record([e]);
    assert.deepEqual(await totals(ds, 'mixed/app'), { pulls: 1, pushes: 0 });

    const twice = [0, 20_000].flatMap((at) => [
      req({ repo: 'twice/app', method: 'HEAD', digest: 'sha256:d6', tag: 'v6', hint: true, at }),
      req({ repo: 'twice/app', kind: 'blob', digest: 'sha256:b1', at: at + 40 }),
    ]);
    await store.record([...twice].reverse());
    assert.deepEqual(await totals(ds, 'twice/app'), { pulls: 2, pushes: 0 });

    await store.record([req({ repo: 'blobs/only', kind: 'blob', digest: 'sha256:b9' })]);
    assert.deepEqual(await totals(ds, 'blobs/only'), { pulls: 0, pushes: 0 });
  });

  test('two Docker pulls 200 ms apart, one reusing its manifest: two downloads, in any order and batching', async () => {
    const { store, ds } = await freshStore();
    const pulls = (repo: string) => [
      req({ repo, method: 'HEAD', digest: 'sha256:d7', tag: 'v7', hint: true, at: 0 }),
      req({ repo, digest: 'sha256:d7', at: 6 }),
      req({ repo, kind: 'blob', digest: 'sha256:b1', at: 15 }),
      req({ repo, kind: 'blob', digest: 'sha256:b2', at: 16 }),
      req({ repo, method: 'HEAD', digest: 'sha256:d7', tag: 'v7', hint: true, at: 200 }),
      req({ repo, digest: 'sha256:d7', at: 206 }),
      req({ repo, kind: 'blob', digest: 'sha256:b1', at: 215 }),
      // a third pull that reuses the manifest: HEAD and blobs only
      req({ repo, method: 'HEAD', digest: 'sha256:d7', tag: 'v7', hint: true, at: 400 }),
      req({ repo, kind: 'blob', digest: 'sha256:b2', at: 415 }),
    ];
    // the order the registry test once produced: the first HEAD promoted by its blobs before its GET arrived
    const observed = pulls('seen/app');
    for (const n of [0, 2, 3, 1, 4, 5, 6, 7, 8]) await store.record([observed[n]!]);
    assert.deepEqual(await byTag(ds, 'seen/app'), { v7: { pulls: 3, pushes: 0 } });
    for (let round = 0; round < 40; round++) {
      const repo = `shuffled/app-${round}`;
      const events = pulls(repo);
      for (let i = events.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [events[i], events[j]] = [events[j]!, events[i]!];
      }
      const order = events.map((e) => e.eventId).join(' ');
      while (events.length > 0) await store.record(events.splice(0, 1 + Math.floor(Math.random() * 3)));
      assert.deepEqual(await byTag(ds, repo), { v7: { pulls: 3, pushes: 0 } }, order);
    }
  });

  test('a multi-platform push (platform manifests by digest, then the index by tag) is one push', async () => {
    for (const reversed of [false, true]) {
      const { store, ds } = await freshStore();
      const events = [
        req({ action: 'push', digest: 'sha256:a1', at: 0 }),
        req({ action: 'push', digest: 'sha256:a2', at: 50 }),
        req({ action: 'push', kind: 'index', digest: INDEX_DIGEST, tag: 'v2', at: 100 }),
      ];
      for (const e of reversed ? events.reverse() : events) await store.record([e]);
      assert.deepEqual(await totals(ds), { pulls: 0, pushes: 1 });
      assert.deepEqual(await byTag(ds), { v2: { pulls: 0, pushes: 1 } });
    }
  });

  test('single-platform pushes by tag each count, per repository and per tag', async () => {
    const { store, ds } = await freshStore();
    await store.record([
      req({ action: 'push', tag: 'v1', at: 0 }),
      req({ action: 'push', tag: 'v1', at: 10 }),
      req({ action: 'push', tag: 'v2', at: 20 }),
      req({ action: 'push', repo: 'other/x', tag: 'v1', at: 30 }),
    ]);
    assert.deepEqual(await totals(ds), { pulls: 0, pushes: 3 });
    assert.deepEqual(await byTag(ds), { v1: { pulls: 0, pushes: 2 }, v2: { pulls: 0, pushes: 1 } });
    assert.deepEqual(await totals(ds, 'other/x'), { pulls: 0, pushes: 1 });
  });

  test('an event id recorded before counts nothing, in the same batch or a later one', async () => {
    const { store, ds } = await freshStore();
    const pull = req({ tag: 'v1' });
    await store.record([pull, pull, { ...pull }]);
    await store.record([pull]);
    assert.deepEqual(await totals(ds), { pulls: 1, pushes: 0 });
  });

  test('last pulled and pushed times are the latest event times, whatever the order; days are UTC days', async () => {
    const { store, ds } = await freshStore();
    await store.record([req({ tag: 'v1', at: 86_400_000 }), req({ action: 'push', tag: 'v1', at: 5 })]);
    await store.record([req({ tag: 'v1', at: 0 })]);
    const [row] = await ds.query(`SELECT last_pulled_at, last_pushed_at FROM counter_repository`);
    assert.equal(row.last_pulled_at.toISOString(), '2025-06-02T12:00:00.000Z');
    assert.equal(row.last_pushed_at.toISOString(), '2025-06-01T12:00:00.005Z');
    const days: { day: string; pulls: number }[] = await ds.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, pulls::int FROM counter_tag_day ORDER BY day`,
    );
    assert.deepEqual(days, [
      { day: '2025-06-01', pulls: 1 },
      { day: '2025-06-02', pulls: 1 },
    ]);
  });

  test('shuffled, batched at random: the count is the number of docker pulls', async () => {
    const { store, ds } = await freshStore();
    const events: CountableRequest[] = [];
    let expected = 0;
    for (let i = 0; i < 60; i++) {
      const client = `10.0.${i % 7}.${i % 5} agent/${i % 3}`;
      const at = i * 61_000; // far enough apart that separate pulls never merge
      if (i % 3 === 0) events.push(req({ client, tag: 'single', digest: `sha256:s${i}`, at }));
      else events.push(...multiPlatformPull(client, at));
      expected++;
    }
    for (let i = events.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [events[i], events[j]] = [events[j]!, events[i]!];
    }
    while (events.length > 0) await store.record(events.splice(0, 1 + Math.floor(Math.random() * 8)));
    assert.equal((await totals(ds)).pulls, expected);
  });

  test('two counter processes settling both halves of many pulls at once still count one each', async () => {
    const { store, ds, schema } = await freshStore();
    const other = await openDataSource(DATABASE, { schema, poolSize: 4 });
    opened.push(other);
    const second = new PostgresCounterStore(other);
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) {
      const [index, child] = multiPlatformPull(`10.9.0.${i} docker/27`, i);
      writes.push(store.record([index!]), second.record([child!]));
    }
    await Promise.all(writes);
    assert.deepEqual(await totals(ds), { pulls: 40, pushes: 0 });
    assert.deepEqual(await byTag(ds), { latest: { pulls: 40, pushes: 0 } });
  });

  test('forgetting processed ids removes only the old ones; blob GETs and HEADs go sooner', async () => {
    const { store, ds } = await freshStore();
    await store.record([req({ tag: 'a' }), req({ tag: 'b' }), req({ kind: 'blob', digest: 'sha256:bb' }), req({ method: 'HEAD', tag: 'c', hint: true })]);
    await ds.query(`UPDATE counter_processed_event SET processed_at = now() - interval '40 days' WHERE tag = 'a'`);
    await ds.query(`UPDATE counter_processed_event SET processed_at = now() - interval '2 days' WHERE tag <> 'a'`);
    const day = 86_400_000;
    assert.equal(await store.forgetProcessedBefore(new Date(Date.now() - 30 * day), new Date(Date.now() - day)), 3);
    const left: { tag: string }[] = await ds.query(`SELECT tag FROM counter_processed_event`);
    assert.deepEqual(left, [{ tag: 'b' }]);
  });
});
