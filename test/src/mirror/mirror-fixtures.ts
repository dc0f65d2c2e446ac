import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describeResponse, send, sha256 } from '../protocol/oci-http.js';
import { blobDataPath, blobOf, imageManifest, pushBlob, putManifest, randomBlob, type Blob, OCI_MANIFEST } from '../protocol/oci-operations.js';

/** An image pushed to an upstream registry: its blobs and manifest, to compare what the cache serves. */
export interface UpstreamImage {
  config: Blob;
  layer: Blob;
  manifest: Buffer;
  digest: string;
}

/** Pushes a one-layer image (`layerBytes` of random data) to `base` as `name:tag`. */
export async function pushUpstreamImage(base: string, name: string, tag: string, layerBytes = 256 * 1024): Promise<UpstreamImage> {
  const config = blobOf(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', tag, rootfs: { type: 'layers', diff_ids: [] }, n: Math.random() })));
  const layer = randomBlob(layerBytes);
  await pushBlob(base, name, config);
  await pushBlob(base, name, layer);
  const manifest = imageManifest(config, [layer]);
  const put = await putManifest(base, name, tag, manifest);
  assert.equal(put.status, 201, `push ${name}:${tag} upstream: ${describeResponse(put)}`);
  return { config, layer, manifest, digest: sha256(manifest) };
}

/** GET a manifest as a client would, asserting a 200. */
export async function pullManifest(base: string, path: string): Promise<{ digest: string; bytes: Buffer }> {
  const res = await send(base, 'GET', path, { headers: { Accept: OCI_MANIFEST } });
  assert.equal(res.status, 200, `GET ${path}: ${describeResponse(res)}`);
  return { digest: String(res.headers['docker-content-digest']), bytes: res.body };
}

/** GET a blob and assert its bytes are exactly the expected ones. */
export async function pullBlob(base: string, path: string, expected: Blob): Promise<void> {
  const res = await send(base, 'GET', path);
  assert.equal(res.status, 200, `GET ${path}: ${describeResponse(res)}`);
  assert.equal(res.body.length, expected.bytes.length, `GET ${path}: length`);
  assert.ok(res.body.equals(expected.bytes), `GET ${path}: the bytes differ from the upstream's`);
}

/** Whether the blob's bytes are stored under a filesystem root (registry:2's layout). */
export function blobStored(root: string, digest: string): boolean {
  return existsSync(join(root, blobDataPath(digest)));
}

/** Upload folders left under a repository of a filesystem root. */
export async function uploadsLeft(root: string, repository: string): Promise<string[]> {
  try {
    return await readdir(join(root, 'docker/registry/v2/repositories', repository, '_uploads'));
  } catch {
    return [];
  }
}
