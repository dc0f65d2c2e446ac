import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EventAction, type RegistryEvent } from '@wharf/events';
import { counterEvent, LAYER, WharfProcess } from '../pipeline/counter-harness.js';
import { elasticsearchYaml, EventIndexProbe, IndexerQueue, sharedElasticsearch, uniqueIndexPrefix } from '../pipeline/indexer-harness.js';
import { freePort, PrivateRedis } from '../pipeline/queue-redis.js';

/*
 * The events REST API of a real `wharf serve --roles indexer,api` process (its own Redis, its own
 * index prefix in the shared Elasticsearch), over a fixed set of events fed through the real
 * indexer queue: free text, filters, time ranges, cursor walks, aggregations, lookups by id, and
 * clear 400s for bad input.
 */

type Json = Record<string, any>;

const BASE = Date.parse('2025-11-10T00:00:00.000Z');
const HOUR = 3_600_000;

/** 60 events over three days, with ten sharing one millisecond (cursor tie-breaks). */
function fixture(): RegistryEvent[] {
  const events: RegistryEvent[] = [];
  for (let i = 0; i < 20; i++) {
    const push = i < 5;
    events.push(
      counterEvent({
        action: push ? 'push' : 'pull',
        repository: 'library/nginx',
        tag: i % 2 === 0 ? 'latest' : '1.25',
        actor: push ? 'alice' : 'bob',
        addr: i === 7 ? '10.9.8.7:41000' : `10.0.0.${i}:40000`,
        base: BASE,
        at: i * HOUR,
      }),
    );
  }
  for (let i = 0; i < 25; i++) {
    const action = i < 20 ? 'pull' : i < 23 ? 'push' : i === 23 ? 'delete' : 'mount';
    events.push(
      counterEvent({
        action,
        repository: 'acme/web-app',
        tag: action === 'mount' ? undefined : `v${i % 3}`,
        mediaType: action === 'mount' ? LAYER : undefined,
        actor: action === 'pull' ? 'ci-bot' : 'carol',
        base: BASE + 24 * HOUR,
        // ten pulls in the same millisecond, then one event an hour
        at: i < 10 ? 0 : (i - 9) * HOUR,
      }),
    );
  }
  for (let i = 0; i < 15; i++) {
    events.push(
      counterEvent({ repository: 'acme/api', tag: 'stable', useragent: 'skopeo/1.13.3', addr: `[2001:db8::${i + 1}]:443`, base: BASE + 48 * HOUR, at: i * HOUR }),
    );
  }
  return events;
}

describe('events API (wharf serve --roles indexer,api)', () => {
  let redis: PrivateRedis;
  let wharf: WharfProcess;
  let probe: EventIndexProbe;
  let api = '';
  const events = fixture();
  const byId = new Map(events.map((e) => [e.id, e]));

  before(async () => {
    const esUrl = await sharedElasticsearch();
    redis = await PrivateRedis.start();
    const indexPrefix = uniqueIndexPrefix();
    probe = new EventIndexProbe(esUrl, indexPrefix);
    const port = await freePort();
    api = `http://127.0.0.1:${port}/api`;
    const yaml =
      `version: 0.1\nlog:\n  level: info\nstorage:\n  inmemory:\n` +
      `redis:\n  addr: 127.0.0.1:${redis.port}\n${elasticsearchYaml(esUrl, indexPrefix)}api:\n  addr: 127.0.0.1:${port}\n`;
    wharf = new WharfProcess(yaml, 'indexer,api', 'wharf api listening');
    await wharf.start();
    const queue = new IndexerQueue(redis.config, 'wharf');
    try {
      await queue.add(events);
      await probe.waitForCount(events.length, 60_000);
    } finally {
      await queue.close();
    }
  });

  after(async () => {
    await wharf?.dispose();
    await redis?.dispose();
    await probe?.dispose();
  });

  async function get(path: string): Promise<{ status: number; json: Json }> {
    const res = await fetch(`${api}${path}`, { signal: AbortSignal.timeout(15_000) });
    return { status: res.status, json: (await res.json()) as Json };
  }

  async function ids(query: string): Promise<string[]> {
    const { status, json } = await get(`/events?size=200&${query}`);
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(json['nextCursor'], null);
    assert.equal(json['total'], json['events'].length);
    return (json['events'] as RegistryEvent[]).map((e) => e.id).sort();
  }

  const expectIds = (match: (e: RegistryEvent) => boolean): string[] => events.filter(match).map((e) => e.id).sort();

  test('free text finds events by repository (whole words or a prefix), digest, user agent and client address', async () => {
    const nginx = expectIds((e) => e.target.repository === 'library/nginx');
    assert.equal(nginx.length, 20);
    assert.deepEqual(await ids('q=nginx'), nginx);
    assert.deepEqual(await ids('q=library%2Fngi'), nginx);
    assert.deepEqual(await ids('q=NGINX'), nginx, 'free text ignores case');
    assert.deepEqual(await ids(`q=${encodeURIComponent('library/nginx 1.25')}`), expectIds((e) => e.target.repository === 'library/nginx' && e.target.tag === '1.25'));
    const one = events[33]!;
    assert.deepEqual(await ids(`q=${encodeURIComponent(one.target.digest!)}`), [one.id]);
    assert.deepEqual(await ids(`q=${encodeURIComponent(one.target.digest!.slice(0, 20))}`), [one.id], 'a digest prefix is enough');
    assert.deepEqual(await ids('q=skopeo'), expectIds((e) => e.request.useragent.startsWith('skopeo')));
    assert.deepEqual(await ids('q=10.9.8.7'), expectIds((e) => e.request.addr === '10.9.8.7:41000'));
    assert.deepEqual(await ids(`q=${one.id}`), [one.id], 'an event id pasted in the search box');
    assert.deepEqual(await ids('q=nothing-matches-this'), []);
  });

  test('filters by action, repository (exact or glob), tag and actor, alone and combined', async () => {
    assert.deepEqual(await ids('action=pull&repository=library/nginx'), expectIds((e) => e.action === 'pull' && e.target.repository === 'library/nginx'));
    assert.deepEqual(await ids('action=push,delete'), expectIds((e) => e.action === 'push' || e.action === 'delete'));
    assert.deepEqual(await ids('action=push&action=mount'), expectIds((e) => e.action === 'push' || e.action === 'mount'));
    assert.deepEqual(await ids('repository=acme/*'), expectIds((e) => e.target.repository.startsWith('acme/')));
    assert.deepEqual(await ids('repository=acme/api&repository=library/nginx'), expectIds((e) => e.target.repository !== 'acme/web-app'));
    assert.deepEqual(await ids('tag=v*&actor=carol'), expectIds((e) => (e.target.tag ?? '').startsWith('v') && e.actor.name === 'carol'));
    assert.deepEqual(await ids('actor=bob&q=latest'), expectIds((e) => e.actor.name === 'bob' && e.target.tag === 'latest'));
  });

  test('a time range is from (inclusive) to (exclusive)', async () => {
    const from = new Date(BASE + 5 * HOUR);
    const to = new Date(BASE + 24 * HOUR);
    const expected = expectIds((e) => Date.parse(e.timestamp) >= from.getTime() && Date.parse(e.timestamp) < to.getTime());
    assert.equal(expected.length, 15, 'nginx events 5..19; the web-app events at exactly `to` are out');
    assert.deepEqual(await ids(`from=${from.toISOString()}&to=${to.toISOString()}`), expected);
    // other spellings of the same instants: an offset, and a bare date (midnight UTC)
    assert.deepEqual(await ids(`from=${encodeURIComponent('2025-11-10T06:00:00+01:00')}&to=2025-11-11`), expected);
    assert.deepEqual(await ids(`from=2025-11-12`), expectIds((e) => e.target.repository === 'acme/api'));
  });

  test('following nextCursor walks every matching event exactly once, in order, both ways', async () => {
    const order = (a: RegistryEvent, b: RegistryEvent): number => Date.parse(a.timestamp) - Date.parse(b.timestamp) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    for (const [sort, expected] of [
      ['desc', [...events].sort(order).reverse()],
      ['asc', [...events].sort(order)],
    ] as const) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const { status, json }: { status: number; json: Json } = await get(`/events?size=7&sort=${sort}${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(status, 200, JSON.stringify(json));
        assert.equal(json['total'], events.length);
        assert.ok(json['events'].length <= 7);
        seen.push(...(json['events'] as RegistryEvent[]).map((e) => e.id));
        cursor = json['nextCursor'];
        pages++;
      } while (cursor !== null && pages < 20);
      assert.equal(pages, Math.ceil(events.length / 7));
      assert.deepEqual(seen, expected.map((e) => e.id), `sort=${sort}`);
    }
    // a filtered walk
    const pulls: string[] = [];
    let cursor: string | null = null;
    do {
      const { json }: { json: Json } = await get(`/events?size=4&action=pull&repository=acme/web-app${cursor ? `&cursor=${cursor}` : ''}`);
      pulls.push(...(json['events'] as RegistryEvent[]).map((e) => e.id));
      cursor = json['nextCursor'];
    } while (cursor !== null);
    assert.deepEqual([...pulls].sort(), expectIds((e) => e.action === 'pull' && e.target.repository === 'acme/web-app'));
    assert.equal(new Set(pulls).size, pulls.length);
  });

  test('aggregations: histogram, top repositories and actors, and action facets that ignore the action filter', async () => {
    const { status, json } = await get('/events/aggregations');
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(json['total'], 60);
    assert.deepEqual(json['topRepositories'], [
      { key: 'acme/web-app', count: 25 },
      { key: 'library/nginx', count: 20 },
      { key: 'acme/api', count: 15 },
    ]);
    assert.deepEqual(json['topActors'], [
      { key: 'ci-bot', count: 20 },
      { key: 'bob', count: 15 },
      { key: 'alice', count: 5 },
      { key: 'carol', count: 5 },
    ]);
    assert.deepEqual(json['actions'], [
      { key: 'push', count: 8 },
      { key: 'pull', count: 50 },
      { key: 'mount', count: 1 },
      { key: 'delete', count: 1 },
    ]);
    // events span 62 hours: hourly buckets would be too many, 3-hour ones fit
    assert.equal(json['histogram']['interval'], '3h');
    const buckets = json['histogram']['buckets'] as { start: string; count: number }[];
    assert.equal(buckets.reduce((sum, b) => sum + b.count, 0), 60);
    assert.equal(buckets[0]!.start, '2025-11-10T00:00:00.000Z');
    assert.equal(buckets[0]!.count, 3, 'nginx events at 0h, 1h and 2h');

    const filtered = await get(`/events/aggregations?action=push&repository=acme/*&from=2025-11-11&to=2025-11-12`);
    assert.equal(filtered.status, 200, JSON.stringify(filtered.json));
    assert.equal(filtered.json['total'], 3);
    assert.deepEqual(filtered.json['topRepositories'], [{ key: 'acme/web-app', count: 3 }]);
    assert.deepEqual(filtered.json['topActors'], [{ key: 'carol', count: 3 }]);
    assert.deepEqual(filtered.json['actions'], [
      { key: 'push', count: 3 },
      { key: 'pull', count: 20 },
      { key: 'mount', count: 1 },
      { key: 'delete', count: 1 },
    ]);
    assert.equal(filtered.json['histogram']['interval'], '30m');
    const filteredBuckets = filtered.json['histogram']['buckets'] as { start: string; count: number }[];
    assert.equal(filteredBuckets.length, 48, 'the whole requested day, empty buckets included');
    assert.equal(filteredBuckets.reduce((sum, b) => sum + b.count, 0), 3);

    const none = await get('/events/aggregations?q=nothing-matches-this');
    assert.equal(none.status, 200);
    assert.equal(none.json['total'], 0);
    assert.deepEqual(none.json['histogram']['buckets'], []);
  });

  test('one event by id is the registry:2 envelope as emitted; an unknown id is a 404', async () => {
    const event = events[50]!;
    const { status, json } = await get(`/events/${event.id}`);
    assert.equal(status, 200);
    assert.deepEqual(json, event);
    assert.equal(byId.get(json['id'])?.action, EventAction.Pull);
    const missing = await get('/events/00000000-0000-0000-0000-000000000000');
    assert.equal(missing.status, 404);
    assert.equal(missing.json['error'], 'Not Found');
    assert.match(missing.json['message'], /no event with id/);
  });

  test('bad input is a 400 that names the parameter', async () => {
    const first = await get('/events?size=5&sort=asc');
    const ascCursor = first.json['nextCursor'] as string;
    const cases: [string, RegExp][] = [
      ['size=201', /size: at most 200/],
      ['size=0', /size/],
      ['size=ten', /size: expected a number/],
      ['size=2.5', /size: expected a whole number/],
      ['from=yesterday', /from: expected an ISO 8601/],
      ['to=2025-13-01', /to: expected an ISO 8601/],
      ['from=2025-11-12&to=2025-11-11', /to: from must be before to/],
      ['cursor=%%%', /cursor: malformed cursor/],
      ['cursor=eyJ2IjoxfQ', /cursor: malformed cursor/],
      [`cursor=${ascCursor}`, /cursor: this cursor belongs to the other sort order/],
      ['sort=sideways', /sort: expected desc or asc/],
      ['action=pul', /action.0: expected push, pull, mount, delete/],
      ['q=a&q=b', /q: expected one search text/],
      [`q=${'x'.repeat(300)}`, /q:/],
      ['page=2', /Unrecognized key.*page/i],
    ];
    for (const [query, message] of cases) {
      const { status, json } = await get(`/events?${query}`);
      assert.equal(status, 400, `${query} -> ${status} ${JSON.stringify(json)}`);
      assert.equal(json['error'], 'Bad Request');
      assert.match(json['message'], message, query);
    }
    for (const query of ['from=nope', 'size=10', 'cursor=abc']) {
      const { status } = await get(`/events/aggregations?${query}`);
      assert.equal(status, 400, `aggregations?${query}`);
    }
  });

  test('the OpenAPI document describes the events routes', async () => {
    const res = await fetch(`${api}/openapi.json`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as Json;
    for (const path of ['/api/events', '/api/events/aggregations', '/api/events/{id}']) assert.ok(doc['paths'][path]?.['get'], path);
    const params = (doc['paths']['/api/events']['get']['parameters'] as { name: string }[]).map((p) => p.name).sort();
    assert.deepEqual(params, ['action', 'actor', 'cursor', 'from', 'q', 'repository', 'size', 'sort', 'tag', 'to']);
  });
});
