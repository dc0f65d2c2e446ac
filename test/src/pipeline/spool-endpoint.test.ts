import assert from 'node:assert/strict';
import { after, afterEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { EVENTS_MEDIA_TYPE, type RegistryEvent } from '@wharf/events';
import { send } from '../protocol/oci-http.js';
import { pushBlob, randomBlob, type Blob } from '../protocol/oci-operations.js';
import { RegistryProcess } from '../support/registry-process.js';
import { freePort, Receiver, waitFor } from './queue-redis.js';

/*
 * A registry:2 config with notifications.endpoints and no redis section (the seeds' webhook →
 * Elasticsearch pump): the real `bin/wharf serve` delivers every event to a real HTTP listener
 * straight from its spool, with registry:2's order, threshold and backoff, and loses nothing to a
 * listener outage or a SIGKILL.
 */

const registries: RegistryProcess[] = [];
const receivers: Receiver[] = [];

afterEach(async () => {
  for (const registry of registries.splice(0)) await registry.dispose();
  for (const receiver of receivers.splice(0)) await receiver.close();
});
after(async () => {
  for (const registry of registries) await registry.dispose();
});

interface EndpointYaml {
  name: string;
  url: string;
  threshold?: number;
  backoff?: string;
  timeout?: string;
  headers?: Record<string, string[]>;
  ignore?: { actions?: string[]; mediatypes?: string[] };
}

async function registryWith(endpoints: EndpointYaml[]): Promise<RegistryProcess> {
  const registry = await RegistryProcess.start({
    kind: 'wharf',
    extraConfig: { notifications: { endpoints: endpoints.map((e) => ({ timeout: '2s', threshold: 3, backoff: '1s', ...e })) } },
  });
  registries.push(registry);
  return registry;
}

async function receiver(port = 0): Promise<Receiver> {
  const started = await Receiver.start(port);
  receivers.push(started);
  return started;
}

function eventsOf(rx: Receiver, accepted = true): RegistryEvent[] {
  return rx.requests.filter((r) => !accepted || r.status < 400).flatMap((r) => (JSON.parse(r.body) as { events: RegistryEvent[] }).events);
}

/** Digests of the blob push events the receiver accepted, in arrival order. */
function pushedDigests(rx: Receiver): string[] {
  return eventsOf(rx)
    .filter((e) => e.action === 'push')
    .flatMap((e) => (e.target.digest === undefined ? [] : [e.target.digest]));
}

async function pushBlobs(registry: RegistryProcess, repository: string, count: number): Promise<Blob[]> {
  const blobs: Blob[] = [];
  for (let i = 0; i < count; i++) {
    const blob = randomBlob(64 + i);
    await pushBlob(registry.url, repository, blob);
    blobs.push(blob);
  }
  return blobs;
}

describe('notifications.endpoints without a redis section', () => {
  test('one event per POST, in the order the registry answered, with the headers; ignore rules apply', async () => {
    const rx = await receiver();
    const registry = await registryWith([{ name: 'listener', url: rx.url, headers: { Authorization: ['Bearer pump'] }, ignore: { actions: ['pull'] } }]);
    const blobs = await pushBlobs(registry, 'seeds/pump', 20);
    const pulled = await send(registry.url, 'GET', `/v2/seeds/pump/blobs/${blobs[0]!.digest}`);
    assert.equal(pulled.status, 200);
    const last = await pushBlobs(registry, 'seeds/pump', 1);
    const expected = [...blobs, ...last].map((b) => b.digest);
    await waitFor(() => pushedDigests(rx).length >= expected.length, 30_000, () => `received ${pushedDigests(rx).length} of ${expected.length} push events`);
    assert.deepEqual(pushedDigests(rx), expected, 'every push once, in order');
    assert.equal(eventsOf(rx).filter((e) => e.action === 'pull').length, 0, 'the ignored pull was not sent');
    for (const request of rx.requests) {
      assert.equal(request.method, 'POST');
      assert.equal(request.headers['content-type'], EVENTS_MEDIA_TYPE);
      assert.equal(request.headers['authorization'], 'Bearer pump');
      assert.equal((JSON.parse(request.body) as { events: unknown[] }).events.length, 1);
    }
  });

  test('a failing listener: `threshold` attempts at once, then `backoff` between attempts; nothing lost, order kept', async () => {
    const rx = await receiver();
    rx.respond = (_request, index) => (index < 6 ? 500 : 202);
    const registry = await registryWith([{ name: 'flaky', url: rx.url, threshold: 3, backoff: '1s' }]);
    const blobs = await pushBlobs(registry, 'seeds/flaky', 5);
    await waitFor(() => pushedDigests(rx).length >= 5, 30_000, () => `received ${pushedDigests(rx).length} of 5 push events after ${rx.requests.length} requests`);
    const at = rx.requests.map((r) => r.at);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    // attempts 1-3 fail at once; from the threshold on, each attempt waits the backoff after the last failure
    assert.ok(gaps[0]! < 900 && gaps[1]! < 900, `the first retries are immediate: gaps ${gaps.join(', ')} ms`);
    for (const i of [2, 3, 4, 5]) assert.ok(gaps[i]! >= 950, `attempt ${i + 2} waited the 1 s backoff: gaps ${gaps.join(', ')} ms`);
    assert.deepEqual(pushedDigests(rx), blobs.map((b) => b.digest));
    assert.ok(
      eventsOf(rx, false)
        .slice(0, 7)
        .every((e) => e.target.digest === blobs[0]!.digest),
      'the failing event is retried before any later one',
    );
  });

  test('a listener that is down, then up on the same address: every event arrives, in order', async () => {
    const port = await freePort();
    const registry = await registryWith([{ name: 'later', url: `http://127.0.0.1:${port}/events`, threshold: 2, backoff: '500ms' }]);
    const blobs = await pushBlobs(registry, 'seeds/later', 10);
    await sleep(2_000); // refused connections meanwhile: the breaker opens
    const rx = await receiver(port);
    await waitFor(() => pushedDigests(rx).length >= 10, 30_000, () => `received ${pushedDigests(rx).length} of 10 push events`);
    assert.deepEqual(pushedDigests(rx), blobs.map((b) => b.digest));
  });

  test('an endpoint that is down holds no other endpoint back', async () => {
    const good = await receiver();
    const deadPort = await freePort();
    const registry = await registryWith([
      { name: 'dead', url: `http://127.0.0.1:${deadPort}/events`, threshold: 1, backoff: '10s' },
      { name: 'good', url: good.url },
    ]);
    const blobs = await pushBlobs(registry, 'seeds/two', 10);
    await waitFor(() => pushedDigests(good).length >= 10, 15_000, () => `the live endpoint received ${pushedDigests(good).length} of 10`);
    assert.deepEqual(pushedDigests(good), blobs.map((b) => b.digest));
  });

  test('SIGKILL of the registry while delivering: after the restart every event arrives (duplicates allowed)', async () => {
    const rx = await receiver();
    rx.delayMs = 25;
    const registry = await registryWith([{ name: 'slow', url: rx.url }]);
    const before = await pushBlobs(registry, 'seeds/crash', 60);
    await waitFor(() => pushedDigests(rx).length >= 10, 30_000, () => `received ${pushedDigests(rx).length} of the first 10`);
    const atKill = pushedDigests(rx).length;
    assert.ok(atKill < 60, `the kill must land mid-stream: ${atKill} of 60 were already delivered`);
    await registry.crashAndRestart();
    const afterRestart = await pushBlobs(registry, 'seeds/crash', 5);
    const expected = [...before, ...afterRestart].map((b) => b.digest);
    const missing = () => expected.filter((d) => !pushedDigests(rx).includes(d));
    await waitFor(() => missing().length === 0, 60_000, () => `${missing().length} of ${expected.length} events never arrived (${atKill} before the kill)`);
    const received = pushedDigests(rx);
    // at least once: anything delivered twice was the tail before the last recorded position
    const duplicates = received.length - new Set(received).size;
    assert.ok(duplicates <= 60, `${duplicates} duplicates`);
    const firstSeen = [...new Set(received)];
    assert.deepEqual(firstSeen, expected, 'first arrivals keep the push order across the crash');
  });
});
