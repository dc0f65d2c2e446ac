/**
 * CacheExpiry over the inmemory driver with a clock the test moves: cached content goes `ttl` after
 * it was fetched, hosted repositories and `ttl: 0` caches are never touched.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  BlobService,
  CacheExpiry,
  DEFAULT_REGISTRY_OPTIONS,
  digestBytes,
  EVENTS_OFF,
  ManifestService,
  paths,
  ReferrersService,
  RegistryEvents,
  WriteGuard,
  type Digest,
} from '@wharf/registry-core';
import { InMemoryDriver } from '@wharf/storage-drivers';

const HOUR = 3_600_000;

function setup() {
  const driver = new InMemoryDriver();
  const events = new RegistryEvents(EVENTS_OFF, { source: { addr: 'test', instanceID: 'test' }, includeReferences: false });
  const guard = new WriteGuard(DEFAULT_REGISTRY_OPTIONS);
  const blobs = new BlobService(driver, guard, events);
  const manifests = new ManifestService(driver, blobs, new ReferrersService(driver), guard, DEFAULT_REGISTRY_OPTIONS, events);
  /** A cached (or hosted) image: a layer linked into the repository and a tagged manifest. */
  const image = async (name: string): Promise<{ layer: Digest; manifest: Digest }> => {
    const bytes = randomBytes(64);
    const layer = digestBytes(bytes);
    await driver.putContent(paths.blobData(layer), bytes);
    await blobs.link(name, layer);
    const manifestBytes = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: layer.value, size: 64 },
      layers: [],
    }));
    const manifest = digestBytes(manifestBytes);
    await manifests.adopt(name, manifest, manifestBytes, 'application/vnd.oci.image.manifest.v1+json', 'v1');
    return { layer, manifest };
  };
  const exists = (path: string) => driver.stat(path).then(() => true, () => false);
  return { driver, manifests, image, exists };
}

describe('pull-through cache expiry', () => {
  test('mirrors: an upstream\'s content goes after its ttl; hosted repositories and ttl 0 caches stay; bytes wait for garbage collection', async () => {
    const { driver, manifests, image, exists } = setup();
    const cached = await image('ghcr.io/org/app');
    const kept = await image('quay.io/org/tool');
    const hosted = await image('team/own');
    let now = Date.now();
    const expiry = new CacheExpiry(driver, manifests, [{ host: 'ghcr.io', ttlMs: 2 * HOUR }, { host: 'quay.io', ttlMs: 0 }], { deleteBlobData: false, now: () => now });

    assert.deepEqual(await expiry.sweepOnce(), { expiredBlobs: 0, expiredManifests: 0 }, 'nothing is due yet');
    now += 2 * HOUR + 1_000;
    assert.deepEqual(await expiry.sweepOnce(), { expiredBlobs: 1, expiredManifests: 1 });

    assert.equal(await exists(paths.layerLink('ghcr.io/org/app', cached.layer)), false);
    assert.equal(await exists(paths.revisionLink('ghcr.io/org/app', cached.manifest)), false);
    assert.equal(await manifests.tagged('ghcr.io/org/app', 'v1'), undefined, 'the tag went with its manifest');
    assert.equal(await exists(paths.blobData(cached.layer)), true, 'bytes other repositories may share stay for garbage collection');
    for (const [name, img] of [['quay.io/org/tool', kept], ['team/own', hosted]] as const) {
      assert.equal(await exists(paths.layerLink(name, img.layer)), true, `${name} keeps its layer`);
      assert.equal((await manifests.tagged(name, 'v1'))?.value, img.manifest.value, `${name} keeps its tag`);
    }
  });

  test('proxy: the whole registry is the cache, so an expired blob\'s bytes go at once', async () => {
    const { driver, manifests, image, exists } = setup();
    const cached = await image('library/busybox');
    const now = Date.now() + 169 * HOUR;
    const expiry = new CacheExpiry(driver, manifests, [{ host: '', ttlMs: 168 * HOUR }], { deleteBlobData: true, now: () => now });
    assert.deepEqual(await expiry.sweepOnce(), { expiredBlobs: 1, expiredManifests: 1 });
    assert.equal(await exists(paths.blobData(cached.layer)), false);
  });
});
