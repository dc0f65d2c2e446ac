import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeResponse, send } from '../protocol/oci-http.js';
import { sharedRedis, SHARED_REDIS_PORT } from '../pipeline/queue-redis.js';
import { RegistryProcess } from '../support/registry-process.js';
import { pullManifest, pushUpstreamImage } from './mirror-fixtures.js';
import { UpstreamTap } from './upstream-tap.js';

/*
 * Two Wharf replicas on one storage and one Redis, as behind a load balancer: clients missing the
 * same blob or manifest on both at once still cost the upstream one download.
 */
describe('pull-through cache across replicas', () => {
  let upstream: RegistryProcess;
  let tap: UpstreamTap;
  const replicas: RegistryProcess[] = [];
  const spools = mkdtempSync(join(tmpdir(), 'wharf-mirror-spools-'));

  before(async () => {
    await sharedRedis();
    upstream = await RegistryProcess.start({ kind: 'reference' });
    tap = await UpstreamTap.start(upstream.url);
    // Each replica has its own event spool, as every registry process must.
    const extraConfig = (spool: string) => ({
      proxy: { remoteurl: tap.url },
      redis: { addr: `127.0.0.1:${SHARED_REDIS_PORT}` },
      notifications: { spool: { directory: join(spools, spool) } },
    });
    replicas.push(await RegistryProcess.start({ kind: 'wharf', extraConfig: extraConfig('a') }));
    replicas.push(await RegistryProcess.start({ kind: 'wharf', extraConfig: extraConfig('b'), storageRoot: replicas[0]!.storageRoot! }));
  });

  after(async () => {
    for (const replica of replicas) await replica.dispose();
    await tap?.close();
    await upstream?.dispose();
    rmSync(spools, { recursive: true, force: true });
  });

  test('four concurrent pulls of an uncached blob, two on each replica, cost the upstream one download', async () => {
    const image = await pushUpstreamImage(upstream.url, 'shared/app', 'v1', 4 * 1024 * 1024);
    tap.blobChunkDelayMs = 15;
    try {
      const pulls = [0, 1, 0, 1].map(async (which) => {
        const res = await send(replicas[which]!.url, 'GET', `/v2/shared/app/blobs/${image.layer.digest}`, { agent: new Agent({ keepAlive: false }) });
        assert.equal(res.status, 200, `replica ${which}: ${describeResponse(res)}`);
        assert.ok(res.body.equals(image.layer.bytes), `replica ${which} served the whole blob`);
      });
      await Promise.all(pulls);
    } finally {
      tap.blobChunkDelayMs = 0;
    }
    assert.equal(tap.gets(image.layer.digest), 1, `upstream downloads of the blob: ${tap.gets(image.layer.digest)}`);
  });

  test('concurrent pulls of an uncached manifest on both replicas cost one manifest download', async () => {
    const image = await pushUpstreamImage(upstream.url, 'shared/tool', 'v1');
    const digests = await Promise.all([0, 1, 0, 1].map((which) => pullManifest(replicas[which]!.url, `/v2/shared/tool/manifests/${image.digest}`)));
    assert.deepEqual(new Set(digests.map((d) => d.digest)), new Set([image.digest]));
    assert.equal(tap.gets(`/manifests/${image.digest}`), 1, `upstream downloads of the manifest: ${tap.gets(`/manifests/${image.digest}`)}`);
  });
});
