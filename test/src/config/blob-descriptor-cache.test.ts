import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { run } from '../support/exec.js';
import { repoRoot } from '../support/tools.js';
import { describeResponse, send } from '../protocol/oci-http.js';
import { pushImage } from '../protocol/oci-operations.js';
import { freePort } from '../support/free-port.js';
import { RegistryProcess } from '../support/registry-process.js';
import { PrivateRedis } from '../pipeline/queue-redis.js';

/*
 * storage.cache.blobdescriptor: redis, shared with docker-registry on the same storage and the same
 * Redis, as during a migration: each reads what the other cached (registry:2's key layout), deletes
 * leave nothing stale behind, and a Redis that goes away costs nothing but the cache.
 */

async function cacheCounters(debug: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${debug}/metrics`)).text();
  const counters: Record<string, number> = {};
  for (const match of text.matchAll(/^registry_storage_cache_(\w+)_total (\d+)/gm)) counters[match[1]!] = Number(match[2]);
  return counters;
}

describe('blob descriptor cache in Redis, shared with docker-registry', { timeout: 180_000 }, () => {
  let redis: PrivateRedis;
  let client: Redis;
  let root: string;
  let wharf: RegistryProcess;
  let reference: RegistryProcess;
  let debug: string;

  before(async () => {
    redis = await PrivateRedis.start();
    client = new Redis({ host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined); // the outage test stops this Redis
    root = mkdtempSync(join(tmpdir(), 'wharf-cache-shared-'));
    const debugPort = await freePort();
    debug = `http://127.0.0.1:${debugPort}`;
    const shared = {
      storage: { filesystem: { rootdirectory: root }, delete: { enabled: true }, cache: { blobdescriptor: 'redis' } },
      redis: { addr: `127.0.0.1:${redis.port}` },
    };
    reference = await RegistryProcess.start({ kind: 'reference', storageRoot: root, extraConfig: shared });
    wharf = await RegistryProcess.start({
      kind: 'wharf',
      storageRoot: root,
      http: { debug: { addr: `127.0.0.1:${debugPort}`, prometheus: { enabled: true, path: '/metrics' } } },
      extraConfig: { ...shared, notifications: { spool: { directory: join(root, 'wharf-spool') } } },
    });
  });

  after(async () => {
    await wharf?.dispose();
    await reference?.dispose();
    client?.disconnect();
    await redis?.dispose();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('what docker-registry cached, Wharf answers from the cache (a hit), and the other way round', async () => {
    const image = await pushImage(reference.url, 'migrate/app', 'v1');
    const byReference = await send(reference.url, 'HEAD', `/v2/migrate/app/blobs/${image.layer.digest}`);
    assert.equal(byReference.status, 200, describeResponse(byReference));
    assert.equal(await client.sismember('repository::migrate/app::blobs', image.layer.digest), 1, 'docker-registry cached the layer');

    const before = await cacheCounters(debug);
    const byWharf = await send(wharf.url, 'HEAD', `/v2/migrate/app/blobs/${image.layer.digest}`);
    assert.equal(byWharf.status, 200, describeResponse(byWharf));
    assert.equal(byWharf.headers['content-length'], String(image.layer.bytes.length));
    const afterHead = await cacheCounters(debug);
    assert.equal((afterHead['hits'] ?? 0) - (before['hits'] ?? 0), 1, `one hit: ${JSON.stringify({ before, afterHead })}`);

    const own = await pushImage(wharf.url, 'migrate/own', 'v1');
    await send(wharf.url, 'HEAD', `/v2/migrate/own/blobs/${own.config.digest}`);
    assert.equal(await client.sismember('repository::migrate/own::blobs', own.config.digest), 1);
    assert.deepEqual(await client.hmget(`blobs::${own.config.digest}`, 'digest', 'size'), [own.config.digest, String(own.config.bytes.length)]);
    const seenByReference = await send(reference.url, 'HEAD', `/v2/migrate/own/blobs/${own.config.digest}`);
    assert.equal(seenByReference.status, 200, describeResponse(seenByReference));
  });

  it('a blob deleted through Wharf is gone from the cache and answers 404', async () => {
    const image = await pushImage(wharf.url, 'migrate/gone', 'v1');
    assert.equal((await send(wharf.url, 'HEAD', `/v2/migrate/gone/blobs/${image.layer.digest}`)).status, 200);
    assert.equal(await client.sismember('repository::migrate/gone::blobs', image.layer.digest), 1);
    const deleted = await send(wharf.url, 'DELETE', `/v2/migrate/gone/blobs/${image.layer.digest}`);
    assert.equal(deleted.status, 202, describeResponse(deleted));
    assert.equal(await client.sismember('repository::migrate/gone::blobs', image.layer.digest), 0);
    assert.equal((await send(wharf.url, 'HEAD', `/v2/migrate/gone/blobs/${image.layer.digest}`)).status, 404);

    // A manifest deleted by digest is also no longer a blob of its repository.
    await send(wharf.url, 'HEAD', `/v2/migrate/gone/blobs/${image.digest}`);
    assert.equal((await send(wharf.url, 'DELETE', `/v2/migrate/gone/manifests/${image.digest}`)).status, 202);
    assert.equal((await send(wharf.url, 'HEAD', `/v2/migrate/gone/blobs/${image.digest}`)).status, 404);
  });

  it('garbage-collect removes the blobs it deletes from the cache, so a HEAD no longer finds them', async () => {
    const image = await pushImage(wharf.url, 'migrate/gc', 'v1');
    assert.equal((await send(wharf.url, 'HEAD', `/v2/migrate/gc/blobs/${image.layer.digest}`)).status, 200);
    assert.equal((await send(wharf.url, 'DELETE', `/v2/migrate/gc/manifests/${image.digest}`)).status, 202);
    await wharf.stop();
    await reference.stop();
    const config = join(root, 'gc.yml');
    writeFileSync(config, stringify({ version: 0.1, storage: { filesystem: { rootdirectory: root }, cache: { blobdescriptor: 'redis' } }, redis: { addr: `127.0.0.1:${redis.port}` } }));
    const gc = await run(process.execPath, [join(repoRoot, 'bin', 'wharf'), 'garbage-collect', config], { timeoutMs: 120_000 });
    assert.match(gc.stdout, /deleted blobs removed from the redis blob descriptor cache/, gc.stdout + gc.stderr);
    assert.deepEqual(await client.hmget(`blobs::${image.layer.digest}`, 'digest', 'size'), [null, null]);
    await wharf.restart();
    assert.equal((await send(wharf.url, 'HEAD', `/v2/migrate/gc/blobs/${image.layer.digest}`)).status, 404);
  });

  it('with Redis gone the registry still answers from storage, counting cache errors', async () => {
    const image = await pushImage(wharf.url, 'migrate/outage', 'v1');
    await redis.stop();
    const before = await cacheCounters(debug);
    for (let i = 0; i < 3; i++) {
      const head = await send(wharf.url, 'HEAD', `/v2/migrate/outage/blobs/${image.layer.digest}`, { timeoutMs: 10_000 });
      assert.equal(head.status, 200, describeResponse(head));
    }
    const afterOutage = await cacheCounters(debug);
    assert.ok((afterOutage['errors'] ?? 0) > (before['errors'] ?? 0), `cache errors counted: ${JSON.stringify({ before, afterOutage })}`);
    assert.match(wharf.logs, /blob descriptor cache failed/);
  });
});
