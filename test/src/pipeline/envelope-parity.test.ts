import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RegistryEvent } from '@wharf/events';
import { send } from '../protocol/oci-http.js';
import { blobOf, imageManifest, OCI_MANIFEST, pushBlob, putManifest, type Image } from '../protocol/oci-operations.js';
import { RegistryProcess } from '../support/registry-process.js';
import { Receiver, SHARED_REDIS_PORT, waitFor } from './queue-redis.js';

/*
 * The same requests against the reference registry (docker-registry, distribution 2.8) and
 * Wharf, each with a registry:2 notifications endpoint: the envelopes must agree field by field,
 * except the values that name the instance (ids, timestamps, ports, source).
 */
describe('registry:2 endpoint envelopes: Wharf sends what docker-registry sends', () => {
  const receivers: Record<'reference' | 'wharf', Receiver | undefined> = { reference: undefined, wharf: undefined };
  const registries: RegistryProcess[] = [];

  async function exercise(kind: 'reference' | 'wharf'): Promise<{ events: RegistryEvent[]; image: Image }> {
    const receiver = await Receiver.start();
    receivers[kind] = receiver;
    const endpoint = { name: `parity-${kind}-${process.pid}-${Date.now()}`, url: `${receiver.url}/events`, timeout: '2s', threshold: 3, backoff: '1s' };
    const extraConfig: Record<string, unknown> = { notifications: { endpoints: [endpoint] } };
    if (kind === 'wharf') extraConfig['redis'] = { addr: `127.0.0.1:${SHARED_REDIS_PORT}` };
    const registry = await RegistryProcess.start({ kind, extraConfig });
    registries.push(registry);
    const base = registry.url;
    const image = await pushFixedImage(base);
    const ua = { 'User-Agent': 'wharf-parity-test/1.0' };
    assert.equal((await send(base, 'GET', '/v2/parity/app/manifests/v1', { headers: { Accept: OCI_MANIFEST, ...ua } })).status, 200);
    assert.equal((await send(base, 'HEAD', '/v2/parity/app/manifests/v1', { headers: { Accept: OCI_MANIFEST, ...ua } })).status, 200);
    assert.equal((await send(base, 'GET', `/v2/parity/app/blobs/${image.config.digest}`, { headers: ua })).status, 200);
    assert.equal((await send(base, 'HEAD', `/v2/parity/app/blobs/${image.config.digest}`, { headers: ua })).status, 200);
    const received = () => receiver.requests.filter((r) => r.status < 400).flatMap((r) => (JSON.parse(r.body) as { events: RegistryEvent[] }).events);
    // Wait until the stream of events has settled (both registries deliver asynchronously).
    let count = -1;
    await waitFor(
      async () => {
        const now = received().length;
        const settled = now > 0 && now === count;
        count = now;
        if (!settled) await new Promise((r) => setTimeout(r, 700));
        return settled;
      },
      30_000,
      () => `${kind}: events still arriving (${received().length})`,
    );
    for (const request of receiver.requests) {
      assert.equal(request.headers['content-type'], 'application/vnd.docker.distribution.events.v1+json', `${kind} content type`);
    }
    return { events: received(), image };
  }

  /** Byte-identical content for both registries, so digests and sizes can be compared. */
  async function pushFixedImage(base: string): Promise<Image> {
    const config = blobOf(Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'));
    const layer = blobOf(Buffer.from('a fixed layer for the envelope parity test\n'.repeat(40)));
    await pushBlob(base, 'parity/app', config);
    await pushBlob(base, 'parity/app', layer);
    const manifest = imageManifest(config, [layer]);
    assert.equal((await putManifest(base, 'parity/app', 'v1', manifest)).status, 201);
    return { config, layer, manifest, digest: blobOf(manifest).digest };
  }

  let reference: { events: RegistryEvent[]; image: Image };
  let wharf: { events: RegistryEvent[]; image: Image };

  before(async () => {
    reference = await exercise('reference');
    wharf = await exercise('wharf');
  });

  after(async () => {
    for (const registry of registries) await registry.dispose();
    await receivers.reference?.close();
    await receivers.wharf?.close();
  });

  /** What must be equal: everything but per-instance values (ids, times, ports, source). */
  function comparable(event: RegistryEvent): unknown {
    const { id, timestamp, source, request, target, ...rest } = event;
    assert.match(id, /\S/);
    assert.ok(!Number.isNaN(Date.parse(timestamp)), `timestamp ${timestamp}`);
    assert.deepEqual(Object.keys(source).sort(), ['addr', 'instanceID']);
    const { url, ...targetRest } = target;
    return {
      ...rest,
      request: { method: request.method, useragent: request.useragent, keys: Object.keys(request).sort(), addrIsHostPort: /:\d+$/.test(request.addr) },
      target: { ...targetRest, urlPath: url === undefined ? undefined : new URL(url).pathname },
      keys: Object.keys(event).sort(),
      targetKeys: Object.keys(target).sort(),
    };
  }

  const order = (a: unknown, b: unknown) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);

  test('the same pushes, pulls and HEADs give the same events', () => {
    assert.equal(wharf.image.digest, reference.image.digest, 'same content pushed to both');
    const expected = reference.events.map(comparable).sort(order);
    const actual = wharf.events.map(comparable).sort(order);
    assert.deepEqual(actual, expected);
  });
});
