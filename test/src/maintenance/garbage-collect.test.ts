/**
 * `wharf garbage-collect` end to end: images pushed over HTTP to a real `wharf serve`, a manifest
 * deleted through the API, the registry stopped, then the command run on a copy of its storage —
 * and, where it is installed, registry:2's own `docker-registry garbage-collect` on another copy,
 * which must delete the same blobs (Wharf differs only where it means to: it keeps the referrers
 * of kept manifests under --delete-untagged, and removes the layer links of deleted blobs).
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { describeResponse, send, sha256 } from '../protocol/oci-http.js';
import {
  blobOf, imageManifest, layerLinkPath, OCI_MANIFEST, pushBlob, pushImageBlobs, putManifest, randomBlob,
  walkFiles, type Blob, type Image,
} from '../protocol/oci-operations.js';
import { run, type RunResult } from '../support/exec.js';
import { RegistryProcess, type RegistryKind } from '../support/registry-process.js';
import { repoRoot } from '../support/tools.js';

const WHARF_BIN = join(repoRoot, 'bin', 'wharf');
const REFERENCE_BIN = '/usr/bin/docker-registry';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
const V2 = 'docker/registry/v2';
/** The OCI empty descriptor's blob, `{}`: the config of every artifact. */
const EMPTY_CONFIG = blobOf(Buffer.from('{}'));

/** A pushed manifest and the blobs only it uses. */
interface Pushed {
  digest: string;
  bytes: Buffer;
  mediaType: string;
  blobs: Blob[];
}

/** Everything the suite pushed, by role. */
interface Dataset {
  /** gc/app:a — shares `shared` with `deleted`. */
  kept: Pushed;
  shared: Blob;
  /** gc/app:b, then deleted by digest through the API. */
  deleted: Pushed;
  /** gc/multi:multi — an index of two untagged children. */
  index: Pushed;
  children: Pushed[];
  /** gc/multi:u now; `untaggedByPush` held the tag before. */
  current: Pushed;
  untaggedByPush: Pushed;
  /** gc/multi pushed by digest only. */
  neverTagged: Pushed;
  /** Untagged referrers: of the tagged index (stays) and of the untagged image (goes with it). */
  referrerOfLive: Pushed;
  referrerOfDead: Pushed;
}

function env(): NodeJS.ProcessEnv {
  // REGISTRY_* variables override the config file; the test's file must win
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
}

function wharfGc(config: string, ...flags: string[]): Promise<RunResult> {
  return run(process.execPath, [WHARF_BIN, 'garbage-collect', config, ...flags], { env: env(), allowFailure: true });
}

function asPushed(image: Image): Pushed {
  return { digest: image.digest, bytes: image.manifest, mediaType: OCI_MANIFEST, blobs: [image.config, image.layer] };
}

async function put(base: string, name: string, reference: string, bytes: Buffer, mediaType: string): Promise<void> {
  const response = await putManifest(base, name, reference, bytes, mediaType);
  assert.equal(response.status, 201, `PUT ${name}:${reference}: ${describeResponse(response)}`);
}

async function pushTagged(base: string, name: string, tag: string | undefined, seed: string): Promise<Pushed> {
  const image = await pushImageBlobs(base, name, seed);
  await put(base, name, tag ?? image.digest, image.manifest, OCI_MANIFEST);
  return asPushed(image);
}

async function pushReferrer(base: string, name: string, subject: Pushed, seed: string): Promise<Pushed> {
  const empty = EMPTY_CONFIG;
  const payload = blobOf(Buffer.from(`signature ${seed} ${Math.random()}`));
  await pushBlob(base, name, empty);
  await pushBlob(base, name, payload);
  const bytes = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: 'application/vnd.example.signature',
    config: { mediaType: OCI_EMPTY, digest: empty.digest, size: 2 },
    layers: [{ mediaType: 'application/vnd.example.signature.v1', digest: payload.digest, size: payload.bytes.length }],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.bytes.length },
  }));
  const digest = sha256(bytes);
  await put(base, name, digest, bytes, OCI_MANIFEST);
  // the empty config is shared by every artifact, so only the payload is this referrer's own
  return { digest, bytes, mediaType: OCI_MANIFEST, blobs: [payload] };
}

async function pushDataset(base: string): Promise<Dataset> {
  const shared = randomBlob(2048);
  const images: Pushed[] = [];
  for (const tag of ['a', 'b']) {
    const image = await pushImageBlobs(base, 'gc/app', `app-${tag}`);
    await pushBlob(base, 'gc/app', shared);
    const manifest = imageManifest(image.config, [shared, image.layer]);
    await put(base, 'gc/app', tag, manifest, OCI_MANIFEST);
    images.push({ digest: sha256(manifest), bytes: manifest, mediaType: OCI_MANIFEST, blobs: [image.config, image.layer] });
  }
  const [kept, deleted] = images as [Pushed, Pushed];
  const removal = await send(base, 'DELETE', `/v2/gc/app/manifests/${deleted.digest}`);
  assert.equal(removal.status, 202, `DELETE ${deleted.digest}: ${describeResponse(removal)}`);

  const children = [await pushTagged(base, 'gc/multi', undefined, 'amd64'), await pushTagged(base, 'gc/multi', undefined, 'arm64')];
  const indexBytes = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: children.map((c, i) => ({
      mediaType: OCI_MANIFEST,
      digest: c.digest,
      size: c.bytes.length,
      platform: { os: 'linux', architecture: i === 0 ? 'amd64' : 'arm64' },
    })),
  }));
  await put(base, 'gc/multi', 'multi', indexBytes, OCI_INDEX);
  const index: Pushed = { digest: sha256(indexBytes), bytes: indexBytes, mediaType: OCI_INDEX, blobs: [] };

  const untaggedByPush = await pushTagged(base, 'gc/multi', 'u', 'u-old');
  const current = await pushTagged(base, 'gc/multi', 'u', 'u-new');
  const neverTagged = await pushTagged(base, 'gc/multi', undefined, 'by-digest');
  const referrerOfLive = await pushReferrer(base, 'gc/multi', index, 'live');
  const referrerOfDead = await pushReferrer(base, 'gc/multi', untaggedByPush, 'dead');
  return { kept, shared, deleted, index, children, current, untaggedByPush, neverTagged, referrerOfLive, referrerOfDead };
}

/** Digests of every blob data file under a storage root. */
async function storedBlobs(root: string): Promise<Set<string>> {
  const files = await walkFiles(join(root, V2, 'blobs'));
  return new Set(files.filter((f) => f.endsWith('/data')).map((f) => `sha256:${f.split('/')[2]}`));
}

/** Digests a manifest and its own blobs occupy. */
function digestsOf(...pushed: Pushed[]): string[] {
  return pushed.flatMap((p) => [p.digest, ...p.blobs.map((b) => b.digest)]);
}

function revisionLink(name: string, digest: string): string {
  return `${V2}/repositories/${name}/_manifests/revisions/sha256/${digest.slice(7)}/link`;
}

/** Pulls like a client: the manifest by reference, then every blob it names, bytes compared. */
async function assertPullable(base: string, name: string, reference: string, pushed: Pushed, blobs: Blob[]): Promise<void> {
  const manifest = await send(base, 'GET', `/v2/${name}/manifests/${reference}`, { headers: { Accept: pushed.mediaType } });
  assert.equal(manifest.status, 200, `GET ${name}:${reference}: ${describeResponse(manifest)}`);
  assert.ok(manifest.body.equals(pushed.bytes), `${name}:${reference} bytes changed`);
  for (const blob of blobs) {
    const got = await send(base, 'GET', `/v2/${name}/blobs/${blob.digest}`);
    assert.equal(got.status, 200, `GET blob ${blob.digest} of ${name}: ${describeResponse(got)}`);
    assert.ok(got.body.equals(blob.bytes), `blob ${blob.digest} bytes changed`);
  }
}

/** Storage holding the pushed dataset, left untouched; each test collects a fresh copy of it. */
class PushedStorage {
  private copies = 0;

  private constructor(
    readonly sandbox: string,
    readonly pristine: string,
    readonly data: Dataset,
  ) {}

  /** Pushes the dataset to a registry of `kind`, then stops it: collection runs offline, as its help says. */
  static async create(kind: RegistryKind): Promise<PushedStorage> {
    const sandbox = mkdtempSync(join(tmpdir(), `wharf-gc-${kind}-`));
    const pristine = join(sandbox, 'pristine');
    mkdirSync(pristine);
    try {
      const registry = await RegistryProcess.start({ kind, storageRoot: pristine });
      try {
        return new PushedStorage(sandbox, pristine, await pushDataset(registry.url));
      } finally {
        await registry.dispose();
      }
    } catch (err) {
      rmSync(sandbox, { recursive: true, force: true });
      throw err;
    }
  }

  /** A fresh copy of the pushed storage and a registry:2 config file naming it. */
  copy(): { root: string; config: string } {
    const dir = join(this.sandbox, `copy-${++this.copies}`);
    const root = join(dir, 'storage');
    cpSync(this.pristine, root, { recursive: true });
    const config = join(dir, 'config.yml');
    writeFileSync(config, stringify({ version: 0.1, log: { level: 'warn' }, storage: { filesystem: { rootdirectory: root } } }));
    return { root, config };
  }

  dispose(): void {
    rmSync(this.sandbox, { recursive: true, force: true });
  }
}

describe('wharf garbage-collect', { timeout: 300_000 }, () => {
  let storage: PushedStorage;
  let data: Dataset;
  const copy = (): { root: string; config: string } => storage.copy();

  before(async () => {
    storage = await PushedStorage.create('wharf');
    data = storage.data;
  });

  after(() => storage?.dispose());

  it('--dry-run reports what it would delete and changes nothing', async () => {
    const { root, config } = copy();
    const before = await walkFiles(root);

    const result = await wharfGc(config, '--dry-run');

    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await walkFiles(root), before);
    for (const d of digestsOf(data.deleted)) assert.match(result.stdout, new RegExp(`blob eligible for deletion: ${d}`));
    assert.match(result.stdout, /would be freed \(dry run: nothing was deleted\)/);
  });

  it('deletes the deleted image’s own blobs and keeps the shared layer and the kept image pullable', async () => {
    const { root, config } = copy();

    const result = await wharfGc(config);

    assert.equal(result.code, 0, result.stderr);
    const blobs = await storedBlobs(root);
    for (const d of digestsOf(data.deleted)) assert.ok(!blobs.has(d), `${d} of the deleted image is still stored`);
    for (const d of [...digestsOf(data.kept), data.shared.digest]) assert.ok(blobs.has(d), `${d} was deleted`);
    // without --delete-untagged every revision stays, tagged or not
    for (const p of [data.index, ...data.children, data.untaggedByPush, data.neverTagged, data.referrerOfLive, data.referrerOfDead]) {
      for (const d of digestsOf(p)) assert.ok(blobs.has(d), `${d} was deleted`);
    }
    for (const b of data.deleted.blobs) assert.ok(!existsSync(join(root, layerLinkPath('gc/app', b.digest))), `dangling link to ${b.digest}`);
    assert.ok(existsSync(join(root, layerLinkPath('gc/app', data.shared.digest))));

    const registry = await RegistryProcess.start({ kind: 'wharf', storageRoot: root });
    try {
      await assertPullable(registry.url, 'gc/app', 'a', data.kept, [...data.kept.blobs, data.shared]);
      await assertPullable(registry.url, 'gc/multi', data.neverTagged.digest, data.neverTagged, data.neverTagged.blobs);
      for (const b of data.deleted.blobs) {
        const head = await send(registry.url, 'HEAD', `/v2/gc/app/blobs/${b.digest}`);
        assert.equal(head.status, 404, `HEAD ${b.digest} after collection: ${describeResponse(head)}`);
      }
    } finally {
      await registry.dispose();
    }
  });

  it('--delete-untagged removes untagged revisions, keeping an index’s children and the referrers of kept manifests', async () => {
    const { root, config } = copy();

    const result = await wharfGc(config, '--delete-untagged');

    assert.equal(result.code, 0, result.stderr);
    const blobs = await storedBlobs(root);
    for (const gone of [data.untaggedByPush, data.neverTagged, data.referrerOfDead]) {
      assert.ok(!existsSync(join(root, revisionLink('gc/multi', gone.digest))), `revision ${gone.digest} is still linked`);
      for (const d of digestsOf(gone)) assert.ok(!blobs.has(d), `${d} is still stored`);
      assert.match(result.stdout, new RegExp(`manifest eligible for deletion: gc/multi@${gone.digest}`));
    }
    assert.ok(!existsSync(join(root, `${V2}/repositories/gc/multi/_manifests/tags/u/index/sha256/${data.untaggedByPush.digest.slice(7)}`)));
    for (const kept of [data.index, ...data.children, data.current, data.referrerOfLive]) {
      assert.ok(existsSync(join(root, revisionLink('gc/multi', kept.digest))), `revision ${kept.digest} was removed`);
      for (const d of digestsOf(kept)) assert.ok(blobs.has(d), `${d} was deleted`);
    }

    const registry = await RegistryProcess.start({ kind: 'wharf', storageRoot: root });
    try {
      await assertPullable(registry.url, 'gc/multi', 'multi', data.index, []);
      for (const child of data.children) await assertPullable(registry.url, 'gc/multi', child.digest, child, child.blobs);
      await assertPullable(registry.url, 'gc/multi', 'u', data.current, data.current.blobs);
      const referrers = await send(registry.url, 'GET', `/v2/gc/multi/referrers/${data.index.digest}`);
      assert.equal(referrers.status, 200, describeResponse(referrers));
      const listed = (JSON.parse(referrers.body.toString('utf8')) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest);
      assert.deepEqual(listed, [data.referrerOfLive.digest]);
      const gone = await send(registry.url, 'GET', `/v2/gc/multi/manifests/${data.neverTagged.digest}`);
      assert.equal(gone.status, 404, describeResponse(gone));
    } finally {
      await registry.dispose();
    }
  });

  it('fails clearly on an inmemory configuration and on a missing storage root', async () => {
    const dir = join(storage.sandbox, 'bad-configs');
    mkdirSync(dir, { recursive: true });
    const inmemory = join(dir, 'inmemory.yml');
    writeFileSync(inmemory, stringify({ version: 0.1, storage: { inmemory: {} } }));
    const missing = join(dir, 'missing.yml');
    writeFileSync(missing, stringify({ version: 0.1, storage: { filesystem: { rootdirectory: join(dir, 'nowhere') } } }));

    const a = await wharfGc(inmemory);
    assert.equal(a.code, 1);
    assert.match(a.stderr, /inmemory.*nothing to collect/);
    const b = await wharfGc(missing, '-d', '-m');
    assert.equal(b.code, 1);
    assert.match(b.stderr, /storage root .*nowhere does not exist/);
    assert.ok(!existsSync(join(dir, 'nowhere')), 'garbage-collect must not create the root');
  });

  // Data written by Wharf, and data written by registry:2 itself (old data must collect the same way).
  for (const writer of ['wharf', 'reference'] as const) {
    describe(`agrees with registry:2 (docker-registry garbage-collect) on data pushed to ${writer}`, () => {
      let pushed: PushedStorage;

      before(async () => {
        // never skipped: the reference registry is part of the test environment (scripts/install-deps.sh)
        assert.ok(existsSync(REFERENCE_BIN), `${REFERENCE_BIN} is missing: run scripts/install-deps.sh`);
        pushed = writer === 'wharf' ? storage : await PushedStorage.create('reference');
      });

      after(() => {
        if (writer !== 'wharf') pushed?.dispose();
      });

      for (const flags of [[], ['--delete-untagged']]) {
        it(`deletes the same blobs${flags.length ? ` with ${flags.join(' ')}` : ''}`, async () => {
          const ours = pushed.copy();
          const theirs = pushed.copy();

          const wharf = await wharfGc(ours.config, ...flags);
          const reference = await run(REFERENCE_BIN, ['garbage-collect', theirs.config, ...flags], { env: env(), allowFailure: true });

          assert.equal(wharf.code, 0, wharf.stderr);
          assert.equal(reference.code, 0, `${reference.stderr}\n${reference.stdout}`);
          const stored = await storedBlobs(pushed.pristine);
          const keptByUs = await storedBlobs(ours.root);
          const keptByThem = await storedBlobs(theirs.root);
          const deletedByUs = [...stored].filter((d) => !keptByUs.has(d)).sort();
          const deletedByThem = [...stored].filter((d) => !keptByThem.has(d)).sort();
          // Under --delete-untagged, registry:2 2.8 deletes more, in two known ways Wharf does not copy:
          // it marks an index's children but not their config and layers (distribution#3178, fixed in v3),
          // breaking the multi-arch image; and it knows no referrers, so the untagged signature of the
          // tagged index goes too (with the empty config all artifacts share).
          const d = pushed.data;
          const intended = flags.length
            ? [...d.children.flatMap((c) => c.blobs.map((b) => b.digest)), ...digestsOf(d.referrerOfLive), EMPTY_CONFIG.digest]
            : [];
          assert.deepEqual(deletedByUs, deletedByThem.filter((x) => !intended.includes(x)));
          for (const x of intended) assert.ok(deletedByThem.includes(x), `registry:2 kept ${x}: the expected difference is gone`);
          assert.ok(deletedByUs.length > 0, 'the comparison needs something to delete');
        });
      }
    });
  }
});
