import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RegistryEvent } from '@wharf/events';
import {
  CounterQueue,
  CounterReader,
  INDEX,
  WharfProcess,
  counterEvent,
  postgresConfig,
  roleConfigYaml,
  sharedPostgres,
  uniqueSchema,
} from '../pipeline/counter-harness.js';
import { freePort, PrivateRedis } from '../pipeline/queue-redis.js';
import { getJson, okJson } from '../support/json-get.js';

/*
 * The repositories and downloads API of a real `bin/wharf serve --roles counter,api` process,
 * over counters the counter role built from events in the real queue.
 */
const DAY = 86_400_000;
const NOT_STORED = { digest: null, mediaType: null, size: null, created: null, platforms: [] };

interface RepositoryBody {
  name: string;
  pulls: number;
  pushes: number;
  lastPulledAt: string | null;
  lastPushedAt: string | null;
}

describe('repositories API', () => {
  let redis: PrivateRedis;
  let wharf: WharfProcess;
  let reader: CounterReader;
  let schema: string;
  let base = '';
  const now = Date.now();

  const get = (path: string) => getJson(`${base}${path}`);
  const ok = (path: string) => okJson(`${base}${path}`);

  before(async () => {
    redis = await PrivateRedis.start();
    schema = uniqueSchema();
    const database = postgresConfig(await sharedPostgres(), schema);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    wharf = new WharfProcess(roleConfigYaml(redis.port, database, `api:\n  addr: 127.0.0.1:${port}\n`), 'counter,api', 'wharf api listening');
    await wharf.start();
    reader = await CounterReader.open(database);

    const events: RegistryEvent[] = [];
    let client = 0;
    const pull = (repository: string, tag: string | undefined, at = 0): void => {
      client++;
      events.push(counterEvent({ repository, ...(tag === undefined ? {} : { tag }), addr: `10.9.${client >> 8}.${client & 255}:1`, base: now, at }));
    };
    // library/nginx: latest 5 + one multi-platform pull, 1.25 twice, one pull by digest alone; 2 pushes
    for (let i = 0; i < 5; i++) pull('library/nginx', 'latest');
    events.push(counterEvent({ repository: 'library/nginx', tag: 'latest', mediaType: INDEX, addr: '10.8.0.1:1', base: now }));
    events.push(counterEvent({ repository: 'library/nginx', addr: '10.8.0.1:2', base: now, at: 100 }));
    pull('library/nginx', '1.25');
    pull('library/nginx', '1.25');
    pull('library/nginx', undefined);
    events.push(counterEvent({ action: 'push', repository: 'library/nginx', tag: 'latest', base: now, at: -DAY }));
    events.push(counterEvent({ action: 'push', repository: 'library/nginx', tag: '1.25', base: now, at: -2 * DAY }));
    // a three-component name; a repository only ever pushed
    for (let i = 0; i < 3; i++) pull('team/api/server', 'v1');
    events.push(counterEvent({ action: 'push', repository: 'team/api/server', tag: 'v1', base: now }));
    events.push(counterEvent({ action: 'push', repository: 'zeta', tag: 'v1', base: now }));
    // downloads three days ago and forty days ago, for the leaderboard periods
    for (let i = 0; i < 12; i++) pull('old/app', 'stable', -3 * DAY);
    for (let i = 0; i < 20; i++) pull('ancient/app', 'v0', -40 * DAY);
    // many repositories for paging: page/r00 … page/r24 with 0 … 24 downloads
    for (let r = 0; r < 25; r++) {
      const name = `page/r${String(r).padStart(2, '0')}`;
      if (r === 0) events.push(counterEvent({ action: 'push', repository: name, tag: 'v1', base: now }));
      for (let i = 0; i < r; i++) pull(name, 'v1', -i * 1000);
    }
    const queue = new CounterQueue(redis.config);
    try {
      await queue.add(events);
      await queue.drained(60_000);
    } finally {
      await queue.close();
    }
  });

  after(async () => {
    await wharf?.dispose();
    await reader?.dropSchemaAndClose(schema).catch(() => undefined);
    await redis?.dispose();
  });

  test('a repository with its counters, its name written with slashes or URL-encoded', async () => {
    const plain = await ok('/api/repositories/library/nginx');
    assert.deepEqual(plain, {
      name: 'library/nginx',
      pulls: 9,
      pushes: 2,
      lastPulledAt: new Date(now + 100).toISOString(),
      lastPushedAt: new Date(now - DAY).toISOString(),
      pullsByDigest: 1,
      tagCount: 2,
      counters: true,
    });
    assert.deepEqual(await ok('/api/repositories/library%2Fnginx'), plain);
    assert.equal((await ok('/api/repositories/team/api/server')).pulls, 3);
    assert.deepEqual(await ok('/api/repositories/zeta'), {
      name: 'zeta',
      pulls: 0,
      pushes: 1,
      lastPulledAt: null,
      lastPushedAt: new Date(now).toISOString(),
      pullsByDigest: 0,
      tagCount: 1,
      counters: true,
    });
  });

  test('per-tag counts, most downloaded first, paged', async () => {
    const today = new Date(now).toISOString().slice(0, 10);
    const tags = await ok('/api/repositories/library/nginx/tags');
    assert.deepEqual(tags, {
      repository: 'library/nginx',
      counters: true,
      // counted tags this (inmemory, never pushed to) storage does not hold: no storage details
      items: [
        { tag: 'latest', pulls: 6, pushes: 1, lastPulledDay: today, lastPushedDay: new Date(now - DAY).toISOString().slice(0, 10), ...NOT_STORED },
        { tag: '1.25', pulls: 2, pushes: 1, lastPulledDay: today, lastPushedDay: new Date(now - 2 * DAY).toISOString().slice(0, 10), ...NOT_STORED },
      ],
      nextCursor: null,
    });
    const first = await ok('/api/repositories/library%2Fnginx/tags?size=1');
    assert.deepEqual(first.items.map((t: { tag: string }) => t.tag), ['latest']);
    const second = await ok(`/api/repositories/library/nginx/tags?size=1&cursor=${first.nextCursor}`);
    assert.deepEqual(second.items.map((t: { tag: string }) => t.tag), ['1.25']);
    assert.equal(second.nextCursor, null);
  });

  test('the list: sorted by downloads by default; every repository exactly once across pages', async () => {
    const firstPage = await ok('/api/repositories');
    assert.equal(firstPage.items.length, 20);
    assert.equal(firstPage.counters, true, 'a database is configured: the counters are real');
    assert.deepEqual(firstPage.sorts, ['pulls', 'pushes', 'name', 'lastPulled']);
    assert.deepEqual(firstPage.items.slice(0, 4).map((r: RepositoryBody) => [r.name, r.pulls]), [
      ['page/r24', 24],
      ['page/r23', 23],
      ['page/r22', 22],
      ['page/r21', 21],
    ]);
    for (const sort of ['pulls', 'pushes', 'name', 'lastPulled'] as const) {
      const seen: RepositoryBody[] = [];
      let cursor: string | null = null;
      do {
        const body: { items: RepositoryBody[]; nextCursor: string | null } = await ok(
          `/api/repositories?sort=${sort}&size=7${cursor === null ? '' : `&cursor=${cursor}`}`,
        );
        seen.push(...body.items);
        cursor = body.nextCursor;
      } while (cursor !== null);
      const names = seen.map((r) => r.name);
      assert.equal(names.length, 30, sort);
      assert.equal(new Set(names).size, 30, sort);
      const expected = [...seen].sort((a, b) => {
        const byName = a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
        if (sort === 'name') return byName;
        if (sort === 'lastPulled') {
          if (a.lastPulledAt === b.lastPulledAt) return byName;
          if (a.lastPulledAt === null) return 1;
          if (b.lastPulledAt === null) return -1;
          return a.lastPulledAt < b.lastPulledAt ? 1 : -1;
        }
        return b[sort] - a[sort] || byName;
      });
      assert.deepEqual(names, expected.map((r) => r.name), sort);
    }
    const byLastPulled = await ok('/api/repositories?sort=lastPulled&size=100');
    const last = byLastPulled.items.slice(-2).map((r: RepositoryBody) => r.name);
    assert.deepEqual(last, ['page/r00', 'zeta'], 'never pulled: last, by name');
  });

  test('q filters by a case-insensitive substring; LIKE wildcards are literal', async () => {
    const body = await ok('/api/repositories?q=PAGE/R1&sort=name&size=100');
    assert.deepEqual(body.items.map((r: RepositoryBody) => r.name), Array.from({ length: 10 }, (_, i) => `page/r1${i}`));
    assert.deepEqual((await ok('/api/repositories?q=%25')).items, []);
    assert.deepEqual((await ok('/api/repositories?q=_')).items, []);
  });

  test('the leaderboard: today, the last 7 and 30 days, all time; by repository or by tag', async () => {
    const top = (body: { items: { repository: string; tag?: string; pulls: number }[] }) => body.items.map((e) => [e.repository, e.tag, e.pulls].filter((v) => v !== undefined));
    const day = await ok('/api/downloads/leaderboard?period=day&limit=3');
    assert.equal(day.since, new Date(now).toISOString().slice(0, 10));
    assert.deepEqual(top(day), [['page/r24', 24], ['page/r23', 23], ['page/r22', 22]]);
    assert.ok(!day.items.some((e: { repository: string }) => e.repository === 'old/app'));
    const week = await ok('/api/downloads/leaderboard?period=week&limit=100');
    assert.ok(week.items.some((e: { repository: string; pulls: number }) => e.repository === 'old/app' && e.pulls === 12));
    assert.ok(!week.items.some((e: { repository: string }) => e.repository === 'ancient/app'));
    const all = await ok('/api/downloads/leaderboard?period=all&limit=2');
    assert.equal(all.since, null);
    assert.deepEqual(top(all), [['page/r24', 24], ['page/r23', 23]]);
    const allTime = await ok('/api/downloads/leaderboard?period=all&limit=100');
    assert.deepEqual(allTime.items.find((e: { repository: string }) => e.repository === 'ancient/app'), { rank: 5, repository: 'ancient/app', pulls: 20 });
    const byTag = await ok('/api/downloads/leaderboard?period=month&by=tag&limit=100');
    const nginx = byTag.items.filter((e: { repository: string }) => e.repository === 'library/nginx');
    assert.deepEqual(nginx.map((e: { tag: string; pulls: number }) => [e.tag, e.pulls]), [['latest', 6], ['1.25', 2]]);
    assert.deepEqual(byTag.items.map((e: { rank: number }) => e.rank), byTag.items.map((_: unknown, i: number) => i + 1));
  });

  test('bad input gets a clear 4xx JSON answer', async () => {
    const cases: [string, number, RegExp][] = [
      ['/api/repositories/no/such/repo', 404, /no counters/],
      ['/api/repositories/no/such/repo/tags', 404, /no counters/],
      ['/api/repositories/Library/Nginx', 400, /not a valid repository name/],
      ['/api/repositories/a//b', 400, /not a valid repository name/],
      ['/api/repositories/%E0%A4%A', 400, /not a valid url component/],
      [`/api/repositories/${'a'.repeat(256)}`, 400, /not a valid repository name/],
      ['/api/repositories?size=101', 400, /size must be at most 100/],
      ['/api/repositories?size=0', 400, /size must be at least 1/],
      ['/api/repositories?size=ten', 400, /size must be a whole number/],
      ['/api/repositories?size=1000000000000', 400, /size must be at most 100/],
      ['/api/repositories?sort=popularity', 400, /sort must be one of/],
      ['/api/repositories?cursor=not-a-cursor', 400, /cursor is not valid/],
      ['/api/repositories?page=2', 400, /Unrecognized key/],
      [`/api/repositories?q=${'x'.repeat(256)}`, 400, /q must be at most 255/],
      ['/api/repositories/library/nginx?verbose=1', 400, /Unrecognized key/],
      ['/api/repositories/library/nginx/tags?size=500', 400, /size must be at most 100/],
      ['/api/downloads/leaderboard?period=year', 400, /period must be one of/],
      ['/api/downloads/leaderboard?by=actor', 400, /by must be repository or tag/],
      ['/api/downloads/leaderboard?limit=1000', 400, /limit must be at most 100/],
    ];
    for (const [path, status, message] of cases) {
      const res = await get(path);
      assert.equal(res.status, status, `${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.statusCode, status, path);
      assert.match(res.body.message, message, path);
    }
    // a cursor is tied to its sort
    const byPulls = await ok('/api/repositories?size=1');
    const mixed = await get(`/api/repositories?sort=name&cursor=${byPulls.nextCursor}`);
    assert.equal(mixed.status, 400);
    const forged = Buffer.from(JSON.stringify({ s: 'pulls', k: "1; drop table x", n: 'a' })).toString('base64url');
    assert.equal((await get(`/api/repositories?cursor=${forged}`)).status, 400);
  });

  test('the OpenAPI document describes the routes', async () => {
    const doc = await ok('/api/openapi.json');
    for (const path of ['/api/repositories', '/api/repositories/{path}', '/api/downloads/leaderboard']) {
      assert.ok(doc.paths[path]?.get, `${path} in ${Object.keys(doc.paths).join(', ')}`);
    }
    const params = doc.paths['/api/repositories'].get.parameters.map((p: { name: string }) => p.name).sort();
    assert.deepEqual(params, ['cursor', 'q', 'size', 'sort']);
  });
});
