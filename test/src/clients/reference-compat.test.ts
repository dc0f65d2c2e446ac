// Drop-in compatibility: storage (a folder, a Swift container) written by one registry is served unchanged by the other.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { docker, dockerPush, dockerRemoveImage, dockerRunOutput, ensureDocker } from '../support/docker-cli.js';
import { run } from '../support/exec.js';
import { buildImage, importImage, uniqueName, writeMultiPlatformLayout } from '../support/images.js';
import { RegistryProcess, targetKind, type RegistryKind, type RegistryOptions } from '../support/registry-process.js';
import { assertConfined, hashStorage } from '../support/storage-walk.js';
import { SwiftContainer, uniqueContainer } from '../support/swift.js';
import { goTool, systemTool } from '../support/tools.js';

const target = targetKind();

async function crane(args: string[]): Promise<string> {
  return (await run(goTool('crane'), [...args, '--insecure'])).stdout.trim();
}

/** What a user sees of one pushed image, recorded on the writer and compared on the reader. */
interface Pushed {
  repo: string;
  tag: string;
  digest: string;
  manifest: string;
  /** Output of `docker run` when the image runs here (one-platform images only). */
  message?: string;
}

interface Manifest {
  config?: { digest: string };
  layers?: { digest: string }[];
  manifests?: { digest: string }[];
}

/** Pushes a docker-built image (two tags), an imported one, and a two-platform index; records what was pushed. */
async function pushSampleImages(reg: RegistryProcess, localImages: string[], dirs: string[]): Promise<Pushed[]> {
  const pushed: Pushed[] = [];
  const built = uniqueName('compat/built');
  const b = await buildImage(`wharf-local/${built}:src`, `built ${built}`);
  localImages.push(b.id);
  for (const tag of ['v1', 'latest']) {
    const ref = `${reg.host}/${built}:${tag}`;
    await docker(['tag', b.ref, ref]);
    const digest = await dockerPush(ref);
    pushed.push({ repo: built, tag, digest, manifest: '', message: b.message });
  }

  const imported = uniqueName('compat/imported');
  const iref = `${reg.host}/${imported}:1.0`;
  const i = await importImage(iref, `imported ${imported}`);
  localImages.push(i.id);
  pushed.push({ repo: imported, tag: '1.0', digest: await dockerPush(iref), manifest: '', message: i.message });

  const multi = uniqueName('compat/multi');
  const layoutDir = mkdtempSync(join(tmpdir(), 'wharf-oci-layout-'));
  dirs.push(layoutDir);
  const layout = await writeMultiPlatformLayout(layoutDir, 'v1', [
    { platform: { os: 'linux', architecture: 'amd64' }, message: `amd64 ${multi}` },
    { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, message: `arm64 ${multi}` },
  ]);
  await run(systemTool('skopeo'), [
    '--insecure-policy', 'copy', '--all', '--dest-tls-verify=false', `oci:${layoutDir}:v1`, `docker://${reg.host}/${multi}:v1`,
  ]);
  pushed.push({ repo: multi, tag: 'v1', digest: layout.indexDigest, manifest: '', message: layout.manifests[0]?.message });

  for (const p of pushed) p.manifest = await crane(['manifest', `${reg.host}/${p.repo}:${p.tag}`]);
  return pushed;
}

/** Every blob an image references, through its manifests, with the repository that holds it. */
async function referencedBlobs(reg: RegistryProcess, repo: string, manifestJson: string): Promise<string[]> {
  const m = JSON.parse(manifestJson) as Manifest;
  const blobs = [...(m.config ? [m.config.digest] : []), ...(m.layers ?? []).map((l) => l.digest)];
  for (const child of m.manifests ?? []) {
    blobs.push(...(await referencedBlobs(reg, repo, await crane(['manifest', `${reg.host}/${repo}@${child.digest}`]))));
  }
  return blobs;
}

async function assertBlobServed(reg: RegistryProcess, repo: string, digest: string): Promise<void> {
  const res = await fetch(`${reg.url}/v2/${repo}/blobs/${digest}`, { signal: AbortSignal.timeout(30_000) });
  const body = Buffer.from(await res.arrayBuffer());
  assert.equal(res.status, 200, `GET blob ${repo}@${digest} answered ${res.status}`);
  assert.equal(`sha256:${createHash('sha256').update(body).digest('hex')}`, digest, `blob ${digest} content changed`);
}

/** Storage both registries open in turn: a filesystem folder or a Swift container. */
interface SharedStorage {
  label: string;
  options: Pick<RegistryOptions, 'storage' | 'storageRoot' | 'objectStore'>;
  /** Path (or object name) → content hash of everything stored. */
  snapshot(): Promise<Map<string, string>>;
  /** Fails when anything was written outside registry:2's layout or left behind. */
  assertClean(): Promise<void>;
  dispose(): Promise<void>;
}

function folderStorage(): SharedStorage {
  const base = mkdtempSync(join(tmpdir(), 'wharf-compat-'));
  const root = join(base, 'sandbox', 'storage');
  mkdirSync(root, { recursive: true });
  return {
    label: `folder ${root}`,
    options: { storageRoot: root },
    snapshot: async () => hashStorage(root),
    assertClean: async () => assertConfined(root),
    dispose: async () => rmSync(base, { recursive: true, force: true }),
  };
}

function swiftContainerStorage(): SharedStorage {
  const container = new SwiftContainer(uniqueContainer('compat'));
  return {
    label: `swift container ${container.name}`,
    options: { storage: 'swift', objectStore: container.name },
    snapshot: () => container.snapshot(),
    assertClean: async () => assert.deepEqual((await container.strays()).slice(0, 20), [], `stray objects in ${container.name}`),
    dispose: () => container.drop(),
  };
}

/** Pushes with `writer`, stops it, serves the same storage with `reader`, and checks what a user would. */
async function crossServe(writer: RegistryKind, reader: RegistryKind, storage: SharedStorage): Promise<void> {
  const localImages: string[] = [];
  const dirs: string[] = [];
  let w: RegistryProcess | undefined;
  let r: RegistryProcess | undefined;
  try {
    const wr = await RegistryProcess.start({ kind: writer, ...storage.options });
    w = wr;
    const pushed = await pushSampleImages(wr, localImages, dirs);
    await wr.dispose();
    w = undefined;
    const written = await storage.snapshot();
    assert.ok(written.size > 0, `${writer} wrote nothing to ${storage.label}`);

    const rd = await RegistryProcess.start({ kind: reader, ...storage.options });
    r = rd;
    const repos = (await crane(['catalog', rd.host])).split('\n');
    for (const p of pushed) assert.ok(repos.includes(p.repo), `catalog lacks ${p.repo}: ${repos.join(', ')}`);

    for (const p of pushed) {
      const ref = `${rd.host}/${p.repo}:${p.tag}`;
      assert.equal(await crane(['digest', ref]), p.digest, `digest of ${p.repo}:${p.tag}`);
      assert.equal(await crane(['manifest', ref]), p.manifest, `manifest bytes of ${p.repo}:${p.tag}`);
      assert.equal(await crane(['digest', `${rd.host}/${p.repo}@${p.digest}`]), p.digest);
      const tags = (await crane(['ls', `${rd.host}/${p.repo}`])).split('\n');
      assert.ok(tags.includes(p.tag), `tags of ${p.repo}: ${tags.join(', ')}`);
      for (const blob of await referencedBlobs(rd, p.repo, p.manifest)) await assertBlobServed(rd, p.repo, blob);
    }

    // docker itself, with nothing cached locally
    for (const id of localImages) await dockerRemoveImage(id);
    for (const p of pushed) {
      const ref = `${rd.host}/${p.repo}:${p.tag}`;
      localImages.push(ref);
      const pull = await docker(['pull', ref]);
      assert.match(pull.stdout, new RegExp(`Digest: ${p.digest}`));
      assert.equal(await dockerRunOutput(ref), `${p.message}\n`, `output of ${ref}`);
    }

    await rd.dispose();
    r = undefined;
    // serving pulls must not rewrite or drop anything the writer stored
    const served = await storage.snapshot();
    const changed = [...written].filter(([path, sum]) => served.get(path) !== sum).map(([path]) => path);
    assert.deepEqual(changed, [], `${reader} changed or removed what ${writer} stored`);
    await storage.assertClean();
  } finally {
    await w?.dispose();
    await r?.dispose();
    for (const ref of localImages) await dockerRemoveImage(ref);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await storage.dispose();
  }
}

describe(`storage compatibility between docker-registry and ${target}`, () => {
  before(async () => {
    await ensureDocker();
  });

  test(`storage written by docker-registry is served by ${target}`, { timeout: 6 * 60_000 }, async () => {
    await crossServe('reference', target, folderStorage());
  });

  test(`storage written by ${target} is served by docker-registry`, { timeout: 6 * 60_000 }, async () => {
    await crossServe(target, 'reference', folderStorage());
  });

  test(`a swift container written by docker-registry is served by ${target}`, { timeout: 8 * 60_000 }, async () => {
    await crossServe('reference', target, swiftContainerStorage());
  });

  test(`a swift container written by ${target} is served by docker-registry`, { timeout: 8 * 60_000 }, async () => {
    await crossServe(target, 'reference', swiftContainerStorage());
  });
});
