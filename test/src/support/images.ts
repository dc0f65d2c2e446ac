import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { docker } from './docker-cli.js';
import { run } from './exec.js';
import { systemTool } from './tools.js';

/** busybox-static's binary needs no libc, so it alone makes a runnable image with no base image. */
function busyboxPath(): string {
  const path = '/bin/busybox';
  if (!existsSync(path)) throw new Error(`${path} is missing: run scripts/install-deps.sh (busybox-static)`);
  return path;
}

const CMD = ['/bin/busybox', 'cat', '/message.txt'];

/** A short random suffix so parallel runs and leftovers never collide on names. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export interface LocalImage {
  ref: string;
  id: string;
  message: string;
}

/**
 * `docker build` FROM scratch: a busybox layer (shared by every image built here) and a message layer,
 * so pushes exercise both existing and new blobs. Running the image prints `message`.
 */
export async function buildImage(ref: string, message: string): Promise<LocalImage> {
  const ctx = mkdtempSync(join(tmpdir(), 'wharf-img-'));
  try {
    copyFileSync(busyboxPath(), join(ctx, 'busybox'));
    writeFileSync(join(ctx, 'message.txt'), `${message}\n`);
    writeFileSync(
      join(ctx, 'Dockerfile'),
      ['FROM scratch', 'COPY busybox /bin/busybox', 'COPY message.txt /message.txt', `CMD ${JSON.stringify(CMD)}`, ''].join('\n'),
    );
    const res = await docker(['build', '--quiet', '--tag', ref, ctx]);
    return { ref, id: res.stdout.trim(), message };
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

/** `docker import` of a one-layer root filesystem, the other way users make images from scratch. */
export async function importImage(ref: string, message: string): Promise<LocalImage> {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-img-'));
  try {
    const tar = await rootfsTar(dir, message);
    const res = await docker(['import', '--change', `CMD ${JSON.stringify(CMD)}`, '-', ref], { input: tar });
    return { ref, id: res.stdout.trim(), message };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface OciLayoutImage {
  /** The tag written into index.json; copy it with `oci:<dir>:<tag>`. */
  tag: string;
  indexDigest: string;
  indexBytes: Buffer;
  manifests: { digest: string; platform: Platform; message: string }[];
}

/**
 * Writes an OCI image layout holding a multi-platform image index. Every platform carries the same
 * amd64 busybox (this machine cannot build others) with a platform-specific message, so which
 * variant a client chose is visible in what it prints — the arm64 one is arm64 by label only.
 */
export async function writeMultiPlatformLayout(
  dir: string,
  tag: string,
  variants: { platform: Platform; message: string }[],
): Promise<OciLayoutImage> {
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const putBlob = (data: Buffer): { digest: string; size: number } => {
    const hex = createHash('sha256').update(data).digest('hex');
    writeFileSync(join(blobs, hex), data);
    return { digest: `sha256:${hex}`, size: data.length };
  };
  const sha = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

  const work = mkdtempSync(join(tmpdir(), 'wharf-layer-'));
  try {
    const busyboxTar = await dirTar(work, 'busybox', (root) => {
      mkdirSync(join(root, 'bin'));
      copyFileSync(busyboxPath(), join(root, 'bin', 'busybox'));
    });
    const busyboxLayer = { ...putBlob(gzipSync(busyboxTar)), diffId: sha(busyboxTar) };

    const manifests: OciLayoutImage['manifests'] = [];
    const descriptors: object[] = [];
    for (const [i, v] of variants.entries()) {
      const msgTar = await dirTar(work, `msg${i}`, (root) => writeFileSync(join(root, 'message.txt'), `${v.message}\n`));
      const msgLayer = { ...putBlob(gzipSync(msgTar)), diffId: sha(msgTar) };
      const config = Buffer.from(
        JSON.stringify({
          architecture: v.platform.architecture,
          os: v.platform.os,
          ...(v.platform.variant ? { variant: v.platform.variant } : {}),
          config: { Cmd: CMD },
          rootfs: { type: 'layers', diff_ids: [busyboxLayer.diffId, msgLayer.diffId] },
        }),
      );
      const configBlob = putBlob(config);
      const layerDesc = (l: { digest: string; size: number }) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: l.digest,
        size: l.size,
      });
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...configBlob },
          layers: [layerDesc(busyboxLayer), layerDesc(msgLayer)],
        }),
      );
      const m = putBlob(manifest);
      descriptors.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...m, platform: v.platform });
      manifests.push({ digest: m.digest, platform: v.platform, message: v.message });
    }
    const indexBytes = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: descriptors }),
    );
    const index = putBlob(indexBytes);
    writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    writeFileSync(
      join(dir, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.index.v1+json',
            ...index,
            annotations: { 'org.opencontainers.image.ref.name': tag },
          },
        ],
      }),
    );
    return { tag, indexDigest: index.digest, indexBytes, manifests };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A reproducible tar of a folder filled by `fill` (fixed owner and mtime, sorted names). */
async function dirTar(work: string, name: string, fill: (root: string) => void): Promise<Buffer> {
  const root = join(work, name);
  mkdirSync(root);
  fill(root);
  const out = `${root}.tar`;
  await run(systemTool('tar'), [
    '--create', '--file', out, '--directory', root, '--sort=name', '--mtime=@0',
    '--owner=0', '--group=0', '--numeric-owner', '--format=posix', '--pax-option=delete=atime,delete=ctime', '.',
  ]);
  return readFileSync(out);
}

async function rootfsTar(work: string, message: string): Promise<Buffer> {
  return dirTar(work, 'rootfs', (root) => {
    mkdirSync(join(root, 'bin'));
    copyFileSync(busyboxPath(), join(root, 'bin', 'busybox'));
    writeFileSync(join(root, 'message.txt'), `${message}\n`);
  });
}
