/**
 * GarbageCollector over hand-built registry:2 layouts in the inmemory driver: the cases a real
 * push cannot produce (schema1 data from an old registry:2, corrupt manifests, dangling links)
 * and the referrer rules. The end-to-end suite (garbage-collect.test.ts) covers real pushes.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { digestBytes, GarbageCollector, paths, type Digest } from '@wharf/registry-core';
import { InMemoryDriver } from '@wharf/storage-drivers';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

class Store {
  readonly driver = new InMemoryDriver();

  async blob(bytes: Buffer = randomBytes(64), repository?: string): Promise<Digest> {
    const digest = digestBytes(bytes);
    await this.driver.putContent(paths.blobData(digest), bytes);
    if (repository) await this.driver.putContent(paths.layerLink(repository, digest), digest.value);
    return digest;
  }

  /** Stores a manifest as a revision of `repository`, optionally tagged. */
  async manifest(repository: string, doc: object, tag?: string): Promise<Digest> {
    const digest = await this.blob(Buffer.from(JSON.stringify(doc)));
    await this.driver.putContent(paths.revisionLink(repository, digest), digest.value);
    if (tag) await this.tag(repository, tag, digest);
    return digest;
  }

  async tag(repository: string, tag: string, digest: Digest): Promise<void> {
    await this.driver.putContent(paths.tagIndexLink(repository, tag, digest), digest.value);
    await this.driver.putContent(paths.tagCurrentLink(repository, tag), digest.value);
  }

  /** An OCI image whose config and layers are fresh blobs linked into `repository`. */
  async image(repository: string, tag?: string, extra: Record<string, unknown> = {}): Promise<{ digest: Digest; blobs: Digest[] }> {
    const config = await this.blob(undefined, repository);
    const layer = await this.blob(undefined, repository);
    const digest = await this.manifest(repository, {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.value, size: 64 },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer.value, size: 64 }],
      ...extra,
    }, tag);
    return { digest, blobs: [config, layer] };
  }

  async has(path: string): Promise<boolean> {
    return this.driver.stat(path).then(() => true, () => false);
  }

  async hasBlob(digest: Digest): Promise<boolean> {
    return this.has(paths.blobData(digest));
  }
}

describe('garbage collector', () => {
  it('keeps what every repository, nested names included, references and sweeps the rest', async () => {
    const s = new Store();
    const parent = await s.image('team', 'v1');
    const nested = await s.image('team/app', 'v1');
    const orphan = await s.blob(undefined, 'team/app');
    // a blob outside the layout (wrong two-letter folder) is not the collector's to judge
    const stray = digestBytes(Buffer.from('stray'));
    await s.driver.putContent(`/docker/registry/v2/blobs/sha256/zz/${stray.hex}/data`, 'stray');

    const report = await new GarbageCollector(s.driver).run();

    for (const d of [parent.digest, ...parent.blobs, nested.digest, ...nested.blobs]) assert.ok(await s.hasBlob(d), d.value);
    assert.equal(await s.hasBlob(orphan), false);
    assert.deepEqual(report.deletedBlobs, [orphan.value]);
    assert.equal(report.bytesFreed, 64);
    assert.equal(report.repositories, 2);
    // unlike registry:2 2.8, the link goes with the blob so HEAD answers 404
    assert.equal(await s.has(paths.layerLink('team/app', orphan)), false);
    assert.deepEqual(report.deletedLayerLinks, [{ repository: 'team/app', digest: orphan.value }]);
    assert.ok(await s.has(`/docker/registry/v2/blobs/sha256/zz/${stray.hex}/data`));
  });

  it('keeps the layers of schema1 manifests written by an old registry:2', async () => {
    const s = new Store();
    const layers = [await s.blob(undefined, 'legacy'), await s.blob(undefined, 'legacy')];
    await s.manifest('legacy', {
      schemaVersion: 1,
      name: 'legacy',
      tag: 'old',
      architecture: 'amd64',
      fsLayers: layers.map((d) => ({ blobSum: d.value })),
      history: [{ v1Compatibility: '{}' }, { v1Compatibility: '{}' }],
      signatures: [],
    }, 'old');

    const report = await new GarbageCollector(s.driver).run({ deleteUntagged: true });

    assert.deepEqual(report.deletedBlobs, []);
    for (const d of layers) assert.ok(await s.hasBlob(d));
  });

  it('stops without deleting anything when a manifest cannot be read', async () => {
    const s = new Store();
    const orphan = await s.blob(undefined, 'app');
    const broken = await s.blob(Buffer.from('this is not json'));
    await s.driver.putContent(paths.revisionLink('app', broken), broken.value);

    await assert.rejects(new GarbageCollector(s.driver).run(), new RegExp(`${broken.value}.*nothing was deleted`));
    assert.ok(await s.hasBlob(orphan));
  });

  it('with deleteUntagged: a subject keeps nothing alive, a referrer of a kept manifest stays', async () => {
    const s = new Store();
    const kept = await s.image('app', 'latest');
    const signature = await s.image('app', undefined, { subject: { mediaType: OCI_MANIFEST, digest: kept.digest.value, size: 1 } });
    await s.driver.putContent(paths.referrer('app', kept.digest, signature.digest), '{}');
    // an old build: untagged by a newer push, with a referrer of its own, and a tag history entry
    const old = await s.image('app', 'previous');
    await s.tag('app', 'previous', kept.digest);
    const oldSbom = await s.image('app', undefined, { subject: { mediaType: OCI_MANIFEST, digest: old.digest.value, size: 1 } });
    await s.driver.putContent(paths.referrer('app', old.digest, oldSbom.digest), '{}');
    // a tagged referrer whose subject is untagged: the subject still goes
    const subject = await s.image('app');
    const attached = await s.image('app', 'attached', { subject: { mediaType: OCI_MANIFEST, digest: subject.digest.value, size: 1 } });

    const dry = await new GarbageCollector(s.driver).run({ deleteUntagged: true, dryRun: true });
    assert.ok(await s.has(paths.revisionLink('app', old.digest)), 'dry run deletes nothing');

    const report = await new GarbageCollector(s.driver).run({ deleteUntagged: true });

    assert.deepEqual(dry.deletedManifests, report.deletedManifests);
    assert.deepEqual(
      report.deletedManifests.map((m) => m.digest).sort(),
      [old.digest.value, oldSbom.digest.value, subject.digest.value].sort(),
    );
    assert.deepEqual(report.deletedManifests.find((m) => m.digest === old.digest.value)?.tags, ['previous']);
    for (const gone of [old, oldSbom, subject]) {
      assert.equal(await s.has(paths.revisionDir('app', gone.digest)), false);
      for (const d of [gone.digest, ...gone.blobs]) assert.equal(await s.hasBlob(d), false, d.value);
    }
    assert.equal(await s.has(paths.tagIndexLink('app', 'previous', old.digest)), false);
    assert.ok(await s.has(paths.tagIndexLink('app', 'previous', kept.digest)));
    assert.equal(await s.has(paths.referrerDir('app', old.digest, oldSbom.digest)), false);
    for (const live of [kept, signature, attached]) {
      assert.ok(await s.has(paths.revisionLink('app', live.digest)));
      for (const d of [live.digest, ...live.blobs]) assert.ok(await s.hasBlob(d), d.value);
    }
    assert.ok(await s.has(paths.referrer('app', kept.digest, signature.digest)));
  });

  it('refuses to sweep blobs when there is no repositories folder at all', async () => {
    const s = new Store();
    const blob = await s.blob();
    await assert.rejects(new GarbageCollector(s.driver).run(), /no \/docker\/registry\/v2\/repositories folder; nothing was deleted/);
    assert.ok(await s.hasBlob(blob));
    // an empty storage (a registry never pushed to) is simply nothing to do
    assert.equal((await new GarbageCollector(new InMemoryDriver()).run()).blobsDeleted, 0);
  });

  it('without deleteUntagged keeps every revision', async () => {
    const s = new Store();
    const untagged = await s.image('app');
    const report = await new GarbageCollector(s.driver).run();
    assert.deepEqual(report.deletedManifests, []);
    assert.deepEqual(report.deletedBlobs, []);
    for (const d of [untagged.digest, ...untagged.blobs]) assert.ok(await s.hasBlob(d));
  });
});
