import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { endpointQueueName, EVENTS_MEDIA_TYPE, type RegistryEvent } from '@wharf/events';
import {
  DeadLetterService,
  EventLog,
  EventPipeline,
  EventReplayService,
  QueueCatalog,
  closeConnection,
  createRedisConnection,
  queueRoutes,
} from '@wharf/queue';
import type { RedisConnection } from '@wharf/queue';
import { deleteKeys, makeEvent, quietLogger, Receiver, SHARED_REDIS_PORT, sharedRedis, uniquePrefix, waitFor, wharfConfig } from './queue-redis.js';

/*
 * registry:2 endpoint semantics against a real HTTP receiver and real Redis: the envelope and
 * headers, immediate retries up to `threshold`, then `backoff` between attempts, order kept across
 * failures, dead letters past maxretryage with redelivery, and replay since a point in time.
 */

interface Harness {
  pipeline: EventPipeline;
  receiver: Receiver;
  catalog: QueueCatalog;
  connection: RedisConnection;
  queueName: string;
  prefix: string;
}

const open: Harness[] = [];
const dirs: string[] = [];

async function harness(endpointYaml: string, receiver?: Receiver): Promise<Harness> {
  const rx = receiver ?? (await Receiver.start());
  const prefix = uniquePrefix();
  const config = wharfConfig(
    `redis:\n  addr: 127.0.0.1:${SHARED_REDIS_PORT}\nnotifications:\n  endpoints:\n    - name: listener\n      url: ${rx.url}\n${endpointYaml
      .split('\n')
      .filter(Boolean)
      .map((l) => `      ${l}`)
      .join('\n')}\n`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'wharf-endpoint-e2e-'));
  dirs.push(dir);
  const pipeline = (await EventPipeline.start(config, quietLogger(), { prefix, spoolDirectory: dir, drainMs: 500 }))!;
  const connection = createRedisConnection(config.redis!, 'producer');
  const h: Harness = {
    pipeline,
    receiver: rx,
    catalog: new QueueCatalog(connection, queueRoutes(config), prefix),
    connection,
    queueName: endpointQueueName('listener'),
    prefix,
  };
  open.push(h);
  return h;
}

function bodyEvents(body: string): RegistryEvent[] {
  return (JSON.parse(body) as { events: RegistryEvent[] }).events;
}

function accepted(rx: Receiver): string[] {
  return rx.acceptedIds();
}

describe('registry:2 endpoint delivery', () => {
  before(async () => {
    await sharedRedis();
  });
  afterEach(async () => {
    for (const h of open.splice(0)) {
      await h.pipeline.stop();
      await h.catalog.close();
      await closeConnection(h.connection);
      await h.receiver.close();
      await deleteKeys(SHARED_REDIS_PORT, h.prefix);
    }
  });
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test("one event per POST in registry:2's envelope, media type and configured headers", async () => {
    const h = await harness('headers:\n  Authorization: [Bearer s3cret]\n  X-Wharf-Test: [one, two]\n');
    const events = [makeEvent(1), makeEvent(2), makeEvent(3)];
    await h.pipeline.sink.publish(events);
    await waitFor(() => h.receiver.requests.length >= 3, 10_000, () => `${h.receiver.requests.length} requests`);
    for (const [i, request] of h.receiver.requests.entries()) {
      assert.equal(request.method, 'POST');
      assert.equal(request.url, '/events');
      assert.equal(request.headers['content-type'], EVENTS_MEDIA_TYPE);
      assert.equal(request.headers['authorization'], 'Bearer s3cret');
      assert.equal(request.headers['x-wharf-test'], 'one, two');
      const body = JSON.parse(request.body) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body), ['events']);
      assert.deepEqual(body['events'], [events[i]], `request ${i} carries exactly event ${i}`);
      assert.match(request.body, /^\{\n {3}"events": \[/, 'indented as Go json.MarshalIndent(…, "", "   ")');
    }
    const health = await h.pipeline.health!.queueHealth(h.queueName);
    assert.equal(health.counts.completed, 3);
    assert.equal(health.endpoint?.consecutiveFailures, 0);
    assert.ok(health.latencyMs.samples === 3 && health.latencyMs.p99! < 5_000, JSON.stringify(health.latencyMs));
  });

  test('retries at once up to threshold, then backs off between attempts; order is kept', async () => {
    const h = await harness('threshold: 3\nbackoff: 1s\ntimeout: 2s\n');
    h.receiver.respond = (_r, index) => (index < 5 ? 500 : 200);
    const events = [makeEvent(1), makeEvent(2), makeEvent(3)];
    await h.pipeline.sink.publish(events);

    await waitFor(() => h.receiver.requests.length >= 4, 10_000, () => `${h.receiver.requests.length} requests`);
    const during = await h.pipeline.health!.queueHealth(h.queueName);
    assert.ok(during.endpoint!.consecutiveFailures >= 3, JSON.stringify(during.endpoint));

    await waitFor(() => h.receiver.requests.length >= 8, 15_000, () => `${h.receiver.requests.length} requests`);
    const requests = h.receiver.requests;
    const at = requests.map((r) => r.at);
    const firstFive = requests.slice(0, 6).map((r) => bodyEvents(r.body)[0]!.id);
    assert.deepEqual(firstFive, Array(6).fill(events[0]!.id), 'the first event is retried until accepted; nothing overtakes it');
    assert.ok(at[2]! - at[0]! < 500, `attempts 1-3 go out at once (${at[2]! - at[0]!} ms)`);
    for (const i of [3, 4, 5]) {
      const gap = at[i]! - at[i - 1]!;
      assert.ok(gap >= 950 && gap <= 1_800, `attempt ${i + 1} came ${gap} ms after the previous failure; backoff is 1 s`);
    }
    assert.deepEqual(accepted(h.receiver), events.map((e) => e.id), 'delivered in order');
    assert.equal(requests.length, 8, 'no delivery repeated once accepted');

    const after = await h.pipeline.health!.queueHealth(h.queueName);
    assert.equal(after.endpoint!.consecutiveFailures, 0, 'a success resets the breaker');
    assert.equal(after.endpoint!.backingOff, false);
    const metrics = (await h.pipeline.metrics.render()).body;
    assert.match(metrics, /registry_notifications_events_total\{type="Failures",endpoint="listener"\} 5/);
    assert.match(metrics, /registry_notifications_events_total\{type="Successes",endpoint="listener"\} 3/);
    assert.match(metrics, /registry_notifications_status_total\{code="500 Internal Server Error",endpoint="listener"\} 5/);
    assert.match(metrics, /wharf_queue_jobs\{queue="endpoint.listener",state="completed"\} 3/);
  });

  test('a delivery failing past maxretryage becomes a dead letter; redelivery one by one and in bulk', async () => {
    const h = await harness('threshold: 2\nbackoff: 200ms\nmaxretryage: 1s\n');
    const failing = new Set<string>();
    h.receiver.respond = (request) => (bodyEvents(request.body).some((e) => failing.has(e.id)) ? 503 : 200);
    const x = makeEvent(1);
    const y = makeEvent(2);
    failing.add(x.id);
    await h.pipeline.sink.publish([x, y]);
    await waitFor(() => accepted(h.receiver).includes(y.id), 10_000, () => 'y never delivered');
    const dead = new DeadLetterService(h.catalog);
    const page = await dead.list(h.queueName, 0, 10);
    assert.equal(page.total, 1);
    assert.equal(page.items[0]!.event.id, x.id);
    assert.match(page.items[0]!.failedReason, /503 Service Unavailable.*maxretryage/);
    const xAttempts = h.receiver.requests.filter((r) => bodyEvents(r.body)[0]!.id === x.id);
    assert.ok(xAttempts.length >= 3, `x was retried (${xAttempts.length} attempts) before it was given up`);
    assert.ok(h.receiver.requests.findIndex((r) => bodyEvents(r.body)[0]!.id === y.id) > h.receiver.requests.lastIndexOf(xAttempts.at(-1)!), 'y only after x was given up');

    failing.delete(x.id);
    const one = await dead.redeliver(h.queueName, [page.items[0]!.jobId, 'no-such-job']);
    assert.deepEqual(one.notFound, ['no-such-job']);
    assert.equal(one.redelivered.length, 1);
    await waitFor(() => accepted(h.receiver).includes(x.id), 10_000, () => 'x not redelivered');
    assert.equal((await dead.list(h.queueName, 0, 10)).total, 0);

    const z = [makeEvent(3), makeEvent(4)];
    for (const e of z) failing.add(e.id);
    await h.pipeline.sink.publish(z);
    await waitFor(async () => (await dead.list(h.queueName, 0, 10)).total === 2, 10_000, () => 'z did not dead-letter');
    failing.clear();
    const all = await dead.redeliver(h.queueName);
    assert.equal(all.redelivered.length, 2);
    await waitFor(() => z.every((e) => accepted(h.receiver).includes(e.id)), 10_000, () => 'z not redelivered');
    assert.deepEqual(accepted(h.receiver), [y.id, x.id, z[0]!.id, z[1]!.id]);
  });

  test('replay since a point in time re-sends exactly the later events, in order', async () => {
    const h = await harness('');
    const early = [makeEvent(1), makeEvent(2)];
    await h.pipeline.sink.publish(early);
    await waitFor(() => accepted(h.receiver).length === 2, 10_000, () => 'early events not delivered');
    await sleep(20);
    const since = new Date();
    const late = [makeEvent(3), makeEvent(4), makeEvent(5, { action: 'pull' as RegistryEvent['action'] })];
    await h.pipeline.sink.publish(late);
    await waitFor(() => accepted(h.receiver).length === 5, 10_000, () => 'late events not delivered');

    const replay = new EventReplayService(h.catalog, new EventLog({ prefix: h.prefix, retentionMs: 3_600_000, maxEvents: 1_000 }));
    const result = await replay.replay(h.queueName, since);
    assert.equal(result.enqueued, 3);
    assert.ok(result.logStartsAt !== null && Date.parse(result.logStartsAt) <= since.getTime());
    await waitFor(() => accepted(h.receiver).length === 8, 10_000, () => 'replayed events not delivered');
    assert.deepEqual(accepted(h.receiver).slice(5), late.map((e) => e.id));
  });
});
