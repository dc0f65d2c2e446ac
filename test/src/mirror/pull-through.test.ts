import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { describeResponse, errorCodes, send } from '../protocol/oci-http.js';
import { OCI_MANIFEST, randomBlob } from '../protocol/oci-operations.js';
import { waitFor } from '../pipeline/queue-redis.js';
import { freePort } from '../support/free-port.js';
import { RegistryProcess } from '../support/registry-process.js';
import { blobStored, pullBlob, pullManifest, pushUpstreamImage, uploadsLeft, type UpstreamImage } from './mirror-fixtures.js';
import { UpstreamTap } from './upstream-tap.js';

/*
 * registry:2's `proxy` section: Wharf as a pull-through cache of one upstream (a real
 * docker-registry behind a tap that counts and breaks its answers).
 */
describe('proxy: a pull-through cache of one upstream', () => {
  let upstream: RegistryProcess;
  let tap: UpstreamTap;
  let wharf: RegistryProcess;
  let image: UpstreamImage;
  let metricsUrl: string;
  const repo = 'library/app';

  before(async () => {
    upstream = await RegistryProcess.start({ kind: 'reference' });
    tap = await UpstreamTap.start(upstream.url);
    // What Docker Hub sends on every answer: the pull limit of the window and what is left of it.
    Object.assign(tap.extraHeaders, { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '76;w=21600' });
    const debugAddr = `127.0.0.1:${await freePort()}`;
    metricsUrl = `http://${debugAddr}/metrics`;
    wharf = await RegistryProcess.start({
      kind: 'wharf',
      extraConfig: { proxy: { remoteurl: tap.url } },
      http: { debug: { addr: debugAddr, prometheus: { enabled: true, path: '/metrics' } } },
    });
    image = await pushUpstreamImage(upstream.url, repo, 'v1', 2 * 1024 * 1024);
  });

  after(async () => {
    await wharf?.dispose();
    await tap?.close();
    await upstream?.dispose();
  });

  test('a first pull gets the upstream\'s bytes; the next costs the upstream one HEAD of the tag', async () => {
    const first = await pullManifest(wharf.url, `/v2/${repo}/manifests/v1`);
    assert.equal(first.digest, image.digest);
    assert.ok(first.bytes.equals(image.manifest), 'manifest bytes as pushed upstream');
    await pullBlob(wharf.url, `/v2/${repo}/blobs/${image.config.digest}`, image.config);
    await pullBlob(wharf.url, `/v2/${repo}/blobs/${image.layer.digest}`, image.layer);
    // Clients get their last bytes before the fsync and the move: the blob lands a moment later.
    await waitFor(() => blobStored(wharf.storageRoot!, image.layer.digest), 10_000, () => 'the layer is cached in storage');
    const before = tap.requests.length;

    const second = await pullManifest(wharf.url, `/v2/${repo}/manifests/v1`);
    assert.equal(second.digest, image.digest);
    await pullBlob(wharf.url, `/v2/${repo}/blobs/${image.layer.digest}`, image.layer);
    await pullManifest(wharf.url, `/v2/${repo}/manifests/${image.digest}`);
    const asked = tap.requests.slice(before).map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(asked, [`HEAD /v2/${repo}/manifests/v1`], 'only the tag is revalidated; content by digest comes from the cache');
    assert.equal(tap.gets(image.layer.digest), 1, 'the layer was downloaded once');
  });

  test('a tag moved upstream is seen on the next pull', async () => {
    const moved = await pushUpstreamImage(upstream.url, repo, 'moving');
    assert.equal((await pullManifest(wharf.url, `/v2/${repo}/manifests/moving`)).digest, moved.digest);
    const next = await pushUpstreamImage(upstream.url, repo, 'moving');
    assert.notEqual(next.digest, moved.digest);
    assert.equal((await pullManifest(wharf.url, `/v2/${repo}/manifests/moving`)).digest, next.digest);
  });

  test('pushes, deletes and mounts answer 405 UNSUPPORTED; the catalog lists what is cached', async () => {
    const attempts = [
      await send(wharf.url, 'POST', `/v2/${repo}/blobs/uploads/`, { headers: { 'Content-Length': 0 } }),
      await send(wharf.url, 'POST', `/v2/other/blobs/uploads/?mount=${image.layer.digest}&from=${repo}`, { headers: { 'Content-Length': 0 } }),
      await send(wharf.url, 'PUT', `/v2/${repo}/manifests/v9`, { headers: { 'Content-Type': OCI_MANIFEST }, body: image.manifest }),
      await send(wharf.url, 'DELETE', `/v2/${repo}/manifests/${image.digest}`),
      await send(wharf.url, 'DELETE', `/v2/${repo}/blobs/${image.layer.digest}`),
    ];
    for (const res of attempts) {
      assert.equal(res.status, 405, describeResponse(res));
      assert.deepEqual(errorCodes(res), ['UNSUPPORTED']);
    }
    const catalog = await send(wharf.url, 'GET', '/v2/_catalog');
    assert.deepEqual(JSON.parse(catalog.body.toString()).repositories, [repo]);
  });

  test('tags/list is the upstream\'s list, and the cached tags while the upstream fails', async () => {
    await pushUpstreamImage(upstream.url, repo, 'upstream-only');
    const listed = async () => {
      const res = await send(wharf.url, 'GET', `/v2/${repo}/tags/list`);
      assert.equal(res.status, 200, describeResponse(res));
      return (JSON.parse(res.body.toString()) as { tags: string[] }).tags;
    };
    assert.deepEqual(await listed(), ['moving', 'upstream-only', 'v1']);
    tap.faults.set('/tags/list', 'unavailable');
    try {
      assert.deepEqual(await listed(), ['moving', 'v1']);
    } finally {
      tap.faults.clear();
    }
  });

  test('with the upstream failing, a cached tag is still served; an uncached one is a clear 503', async () => {
    tap.faults.set('/manifests/v1', 'unavailable');
    tap.faults.set('/manifests/never-cached', 'unavailable');
    try {
      assert.equal((await pullManifest(wharf.url, `/v2/${repo}/manifests/v1`)).digest, image.digest);
      const res = await send(wharf.url, 'GET', `/v2/${repo}/manifests/never-cached`, { headers: { Accept: OCI_MANIFEST } });
      assert.equal(res.status, 503, describeResponse(res));
      assert.deepEqual(errorCodes(res), ['UNAVAILABLE']);
    } finally {
      tap.faults.clear();
    }
    const missing = await send(wharf.url, 'GET', `/v2/${repo}/manifests/no-such-tag`, { headers: { Accept: OCI_MANIFEST } });
    assert.equal(missing.status, 404, describeResponse(missing));
    assert.deepEqual(errorCodes(missing), ['MANIFEST_UNKNOWN']);
  });

  test('a 429 upstream gives the client 429 TOOMANYREQUESTS with the upstream\'s Retry-After', async () => {
    const fresh = await pushUpstreamImage(upstream.url, 'limited/app', 'v1');
    tap.faults.set(fresh.layer.digest, 'rate-limit');
    try {
      const res = await send(wharf.url, 'GET', `/v2/limited/app/blobs/${fresh.layer.digest}`);
      assert.equal(res.status, 429, describeResponse(res));
      assert.deepEqual(errorCodes(res), ['TOOMANYREQUESTS']);
      assert.equal(res.headers['retry-after'], '30');
    } finally {
      tap.faults.clear();
    }
    assert.ok(!blobStored(wharf.storageRoot!, fresh.layer.digest));
  });

  for (const fault of ['wrong-bytes', 'truncate'] as const) {
    test(`a blob the upstream sends ${fault === 'truncate' ? 'cut short' : 'with the wrong bytes'} is never cached, and the client never gets a whole blob`, async () => {
      const fresh = await pushUpstreamImage(upstream.url, `broken/${fault}`, 'v1', 1024 * 1024);
      const path = `/v2/broken/${fault}/blobs/${fresh.layer.digest}`;
      tap.faults.set(fresh.layer.digest, fault);
      try {
        const outcome = await send(wharf.url, 'GET', path).then(
          (res) => `status ${res.status}, ${res.body.length} bytes`,
          (err: Error) => `cut: ${err.message}`,
        );
        assert.match(outcome, /^cut: |^status 5\d\d/, `the client must see a failure, not a blob (${outcome})`);
      } finally {
        tap.faults.clear();
      }
      await waitFor(async () => (await uploadsLeft(wharf.storageRoot!, `broken/${fault}`)).length === 0, 10_000, () => 'the partial download is removed');
      assert.ok(!blobStored(wharf.storageRoot!, fresh.layer.digest), 'nothing stored under the digest');
      await pullBlob(wharf.url, path, fresh.layer);
      await waitFor(() => blobStored(wharf.storageRoot!, fresh.layer.digest), 10_000, () => 'the good bytes are cached on the next pull');
    });
  }

  test('a manifest that is garbage or has the wrong digest gives 502 UNAVAILABLE and is not cached', async () => {
    const fresh = await pushUpstreamImage(upstream.url, 'broken/manifest', 'v1');
    tap.faults.set('/manifests/v1', 'garbage');
    tap.faults.set(`/manifests/${fresh.digest}`, 'wrong-bytes');
    try {
      for (const reference of ['v1', fresh.digest]) {
        const res = await send(wharf.url, 'GET', `/v2/broken/manifest/manifests/${reference}`, { headers: { Accept: OCI_MANIFEST } });
        assert.equal(res.status, 502, `${reference}: ${describeResponse(res)}`);
        assert.deepEqual(errorCodes(res), ['UNAVAILABLE']);
      }
    } finally {
      tap.faults.clear();
    }
    assert.ok(!blobStored(wharf.storageRoot!, fresh.digest), 'the manifest is not stored');
    assert.equal((await pullManifest(wharf.url, '/v2/broken/manifest/manifests/v1')).digest, fresh.digest);
  });

  test('four concurrent pulls of an uncached blob cost the upstream one download', async () => {
    const fresh = await pushUpstreamImage(upstream.url, 'busy/app', 'v1', 4 * 1024 * 1024);
    tap.blobChunkDelayMs = 15;
    try {
      await Promise.all(
        Array.from({ length: 4 }, () => {
          const agent = new Agent({ keepAlive: false });
          return send(wharf.url, 'GET', `/v2/busy/app/blobs/${fresh.layer.digest}`, { agent }).then((res) => {
            assert.equal(res.status, 200, describeResponse(res));
            assert.ok(res.body.equals(fresh.layer.bytes), 'every client gets the whole blob');
          });
        }),
      );
    } finally {
      tap.blobChunkDelayMs = 0;
    }
    assert.equal(tap.gets(fresh.layer.digest), 1, `upstream downloads: ${tap.gets(fresh.layer.digest)}`);
  });

  test('a client that goes away mid-download does not cancel the fill', async () => {
    const fresh = await pushUpstreamImage(upstream.url, 'quitter/app', 'v1', 4 * 1024 * 1024);
    tap.blobChunkDelayMs = 10;
    try {
      await new Promise<void>((resolve, reject) => {
        const url = new URL(`${wharf.url}/v2/quitter/app/blobs/${fresh.layer.digest}`);
        const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, agent: false }, (res) => {
          assert.equal(res.statusCode, 200);
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.once('error', (err) => (req.destroyed ? undefined : reject(err)));
        req.end();
      });
      await waitFor(() => blobStored(wharf.storageRoot!, fresh.layer.digest), 60_000, () => 'the blob reaches storage after its client left');
    } finally {
      tap.blobChunkDelayMs = 0;
    }
    await pullBlob(wharf.url, `/v2/quitter/app/blobs/${fresh.layer.digest}`, fresh.layer);
    assert.equal(tap.gets(fresh.layer.digest), 1, 'served from the cache afterwards');
  });

  test('Prometheus counts hits, misses, upstream bytes and errors, and shows the upstream\'s rate limit', async () => {
    const text = await (await fetch(metricsUrl)).text();
    const value = (metric: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(metric));
      assert.ok(line, `${metric} in:\n${text.split('\n').filter((l) => l.startsWith('wharf_mirror')).join('\n')}`);
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    const upstreamLabel = `upstream="${new URL(tap.url).host}"`;
    assert.ok(value(`wharf_mirror_requests_total{${upstreamLabel},kind="blob",outcome="hit"}`) >= 1);
    assert.ok(value(`wharf_mirror_requests_total{${upstreamLabel},kind="blob",outcome="fill"}`) >= 2);
    assert.ok(value(`wharf_mirror_requests_total{${upstreamLabel},kind="manifest",outcome="hit"}`) >= 1);
    assert.ok(value(`wharf_mirror_upstream_bytes_total{${upstreamLabel}}`) >= image.layer.bytes.length);
    assert.ok(value(`wharf_mirror_upstream_errors_total{${upstreamLabel},failure="rate-limited"}`) >= 1);
    assert.ok(value(`wharf_mirror_upstream_errors_total{${upstreamLabel},failure="bad-answer"}`) >= 1);
    assert.equal(value(`wharf_mirror_upstream_ratelimit_limit{${upstreamLabel}}`), 100);
    assert.equal(value(`wharf_mirror_upstream_ratelimit_remaining{${upstreamLabel}}`), 76);
  });

  test('a Range request for an uncached blob is answered once the blob is cached', async () => {
    const fresh = await pushUpstreamImage(upstream.url, 'ranges/app', 'v1', 100_000);
    const res = await send(wharf.url, 'GET', `/v2/ranges/app/blobs/${fresh.layer.digest}`, { headers: { Range: 'bytes=1000-1999' } });
    assert.equal(res.status, 206, describeResponse(res));
    assert.equal(res.headers['content-range'], `bytes 1000-1999/${fresh.layer.bytes.length}`);
    assert.ok(res.body.equals(fresh.layer.bytes.subarray(1000, 2000)));
    assert.ok(blobStored(wharf.storageRoot!, fresh.layer.digest));
  });

  test('a HEAD of an uncached blob asks the upstream for its size and downloads nothing', async () => {
    const blob = randomBlob(3000);
    const fresh = await pushUpstreamImage(upstream.url, 'heads/app', 'v1', blob.bytes.length);
    const res = await send(wharf.url, 'HEAD', `/v2/heads/app/blobs/${fresh.layer.digest}`);
    assert.equal(res.status, 200, describeResponse(res));
    assert.equal(res.headers['content-length'], String(fresh.layer.bytes.length));
    await sleep(100);
    assert.equal(tap.gets(fresh.layer.digest), 0);
  });
});
