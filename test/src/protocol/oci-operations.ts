/**
 * Well-behaved client steps (push a blob, push an image) and storage inspection shared by the
 * protocol suites. Each step asserts the spec's success answer, so a failure names the step.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeResponse, header, send, sha256, type HttpResponse } from './oci-http.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const DOCKER_MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';

export interface Blob {
  bytes: Buffer;
  digest: string;
}

export function blobOf(bytes: Buffer): Blob {
  return { bytes, digest: sha256(bytes) };
}

export function randomBlob(size: number): Blob {
  return blobOf(randomBytes(size));
}

/** `POST /v2/<name>/blobs/uploads/` → 202 with a Location; returns the absolute upload URL. */
export async function startUpload(base: string, name: string): Promise<string> {
  const response = await send(base, 'POST', `/v2/${name}/blobs/uploads/`, { headers: { 'Content-Length': 0 } });
  assert.equal(response.status, 202, `POST upload for ${name}: ${describeResponse(response)}`);
  return locationOf(base, response);
}

/** POST then one PUT with the whole body. */
export async function pushBlob(base: string, name: string, blob: Blob): Promise<void> {
  const upload = await startUpload(base, name);
  const response = await send(base, 'PUT', withQuery(upload, 'digest', blob.digest), {
    headers: { 'Content-Type': 'application/octet-stream' },
    body: blob.bytes,
  });
  assert.equal(response.status, 201, `PUT blob ${blob.digest} into ${name}: ${describeResponse(response)}`);
}

export interface Image {
  config: Blob;
  layer: Blob;
  manifest: Buffer;
  digest: string;
}

export function imageManifest(config: Blob, layers: Blob[], annotations?: Record<string, string>): Buffer {
  const manifest: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: config.digest, size: config.bytes.length },
    layers: layers.map((layer) => ({ mediaType: OCI_LAYER, digest: layer.digest, size: layer.bytes.length })),
  };
  if (annotations) manifest['annotations'] = annotations;
  return Buffer.from(JSON.stringify(manifest));
}

/** A small image whose config and layer are unique to `seed`, blobs already pushed into `name`. */
export async function pushImageBlobs(base: string, name: string, seed: string): Promise<Image> {
  const config = blobOf(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', seed, rootfs: { type: 'layers', diff_ids: [] } })));
  const layer = blobOf(Buffer.concat([Buffer.from(`layer ${seed}\n`), randomBytes(512)]));
  await pushBlob(base, name, config);
  await pushBlob(base, name, layer);
  const manifest = imageManifest(config, [layer]);
  return { config, layer, manifest, digest: sha256(manifest) };
}

export async function putManifest(base: string, name: string, reference: string, manifest: Buffer, contentType = OCI_MANIFEST): Promise<HttpResponse> {
  return send(base, 'PUT', `/v2/${name}/manifests/${reference}`, { headers: { 'Content-Type': contentType }, body: manifest });
}

export async function pushImage(base: string, name: string, tag: string, seed = tag): Promise<Image> {
  const image = await pushImageBlobs(base, name, seed);
  const response = await putManifest(base, name, tag, image.manifest);
  assert.equal(response.status, 201, `PUT manifest ${name}:${tag}: ${describeResponse(response)}`);
  return image;
}

export function locationOf(base: string, response: HttpResponse): string {
  const location = header(response, 'location');
  assert.ok(location, `no Location header on ${response.status}`);
  return new URL(location, base).toString();
}

export function withQuery(url: string, key: string, value: string): string {
  const parsed = new URL(url);
  parsed.searchParams.append(key, value);
  return parsed.toString();
}

/** GET of an upload: the offset the registry reports (`Range: 0-<last>`, `0-0` when empty), where the next chunk starts. */
export async function uploadOffset(base: string, upload: string): Promise<number> {
  const res = await send(base, 'GET', upload);
  assert.equal(res.status, 204, `GET upload status: ${describeResponse(res)}`);
  const range = header(res, 'range') ?? '';
  const last = Number(/^0-(\d+)$/.exec(range)?.[1]);
  assert.ok(Number.isInteger(last), `Range header ${range}`);
  return range === '0-0' ? 0 : last + 1;
}

/**
 * A PATCH without Content-Range whose body streams slowly (256 KiB every 50 ms), for tests that
 * break something while it is under way: `sent(n)` resolves once n bytes have gone out.
 */
export function slowPatch(base: string, upload: string, bytes: Buffer): { answer: Promise<HttpResponse>; sent(n: number): Promise<void> } {
  let sent = 0;
  async function* slowly(): AsyncGenerator<Buffer> {
    for (let i = 0; i < bytes.length; i += 256 * 1024) {
      sent += Math.min(256 * 1024, bytes.length - i);
      yield bytes.subarray(i, i + 256 * 1024);
      await sleep(50);
    }
  }
  const answer = send(base, 'PATCH', upload, { headers: { 'Content-Type': 'application/octet-stream' }, body: slowly() });
  return {
    answer,
    sent: async (n) => {
      // bounded by the whole body's pace: 256 KiB per 50 ms, with room for a busy machine
      const deadline = Date.now() + 10_000 + (bytes.length / (256 * 1024)) * 500;
      while (sent < n && Date.now() < deadline) await sleep(20);
      assert.ok(sent >= n, `only ${sent} of ${n} bytes went out`);
    },
  };
}

/** PATCH of one chunk that starts at `offset`, with its Content-Range. */
export function patchChunk(base: string, upload: string, bytes: Buffer, offset: number): Promise<HttpResponse> {
  return send(base, 'PATCH', upload, {
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${offset}-${offset + bytes.length - 1}` },
    body: bytes,
  });
}

/** All files under `dir`, as slash-separated paths relative to it; [] when it does not exist. */
export async function walkFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  async function visit(current: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) await visit(full);
      else found.push(relative(dir, full).split(sep).join('/'));
    }
  }
  await visit(dir);
  return found.sort();
}

/** Files and directories (dirs with a trailing slash) under `dir`, with sizes: a comparable snapshot. */
export async function snapshotTree(dir: string, exclude: (relativePath: string) => boolean): Promise<string[]> {
  const lines: string[] = [];
  async function visit(current: string): Promise<void> {
    const entries = await readdir(current, { withFileTypes: true });
    for (const entry of entries) {
      const full = join(current, entry.name);
      const rel = relative(dir, full).split(sep).join('/');
      if (exclude(rel)) continue;
      if (entry.isDirectory()) {
        lines.push(`${rel}/`);
        await visit(full);
      } else {
        lines.push(`${rel} ${(await stat(full)).size}`);
      }
    }
  }
  await visit(dir);
  return lines.sort();
}

export const V2_ROOT = 'docker/registry/v2';

export function blobDataPath(digest: string): string {
  const hex = digest.slice('sha256:'.length);
  return `${V2_ROOT}/blobs/sha256/${hex.slice(0, 2)}/${hex}/data`;
}

export function layerLinkPath(name: string, digest: string): string {
  return `${V2_ROOT}/repositories/${name}/_layers/sha256/${digest.slice('sha256:'.length)}/link`;
}

export async function readText(root: string, path: string): Promise<string | null> {
  try {
    return await readFile(join(root, path), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Entries left inside any repository's `_uploads` folder. */
export function uploadLeftovers(files: string[]): string[] {
  return files.filter((file) => /^docker\/registry\/v2\/repositories\/.+\/_uploads\/./.test(file));
}

/** The spec's error code table (distribution-spec "Error Codes"): a JSON error body MUST use one of these. */
export const OCI_ERROR_CODES: ReadonlySet<string> = new Set([
  'BLOB_UNKNOWN', 'BLOB_UPLOAD_INVALID', 'BLOB_UPLOAD_UNKNOWN', 'DIGEST_INVALID', 'MANIFEST_BLOB_UNKNOWN',
  'MANIFEST_INVALID', 'MANIFEST_UNKNOWN', 'NAME_INVALID', 'NAME_UNKNOWN', 'SIZE_INVALID', 'UNAUTHORIZED',
  'DENIED', 'UNSUPPORTED', 'TOOMANYREQUESTS',
]);

const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME = `${COMPONENT}(?:/${COMPONENT})*`;
const HEX = '[0-9a-f]{64}';
const TAG = '[A-Za-z0-9_][A-Za-z0-9._-]{0,127}';
/** registry:2's on-disk layout (registry/storage/paths.go): the only files a drop-in may leave behind. */
const LAYOUT = [
  new RegExp(`^docker/registry/v2/blobs/sha256/[0-9a-f]{2}/${HEX}/data$`),
  new RegExp(`^docker/registry/v2/repositories/(${NAME})/_layers/sha256/${HEX}/link$`),
  new RegExp(`^docker/registry/v2/repositories/(${NAME})/_manifests/revisions/sha256/${HEX}/link$`),
  new RegExp(`^docker/registry/v2/repositories/(${NAME})/_manifests/tags/${TAG}/current/link$`),
  new RegExp(`^docker/registry/v2/repositories/(${NAME})/_manifests/tags/${TAG}/index/sha256/${HEX}/link$`),
];

/** Files under the storage root that fit neither the layout nor an (unfinished) upload folder. */
export function layoutViolations(files: string[]): string[] {
  const leftovers = new Set(uploadLeftovers(files));
  return files.filter((file) => !leftovers.has(file) && !LAYOUT.some((pattern) => pattern.test(file)));
}

/** Repository names that own at least one file under the storage root. */
export function repositoriesOnDisk(files: string[]): string[] {
  const names = new Set<string>();
  for (const file of files) {
    const match = /^docker\/registry\/v2\/repositories\/(.+?)\/_(?:layers|manifests|uploads)\//.exec(file);
    if (match?.[1]) names.add(match[1]);
  }
  return [...names].sort();
}
