import type { Readable } from 'node:stream';
import { RegistryError } from '../errors/registry-error.js';
import type { Digest } from '../digest.js';
import { paths } from '../storage/paths.js';
import { isPathNotFound, type StorageDriver } from '../storage/storage-driver.js';
import { LinkStore } from '../stores/link.store.js';
import { BLOB_REDIRECT_EXPIRY_MS } from './registry-options.js';
import type { WriteGuard } from './write-guard.js';
import type { EventContext } from '../events/event-context.js';
import type { RegistryEvents } from '../events/registry-events.js';
import { NO_BLOB_DESCRIPTOR_CACHE, type BlobDescriptorCache } from '../cache/blob-descriptor.cache.js';

export interface BlobInfo {
  digest: Digest;
  size: number;
}

/** An inclusive byte range, already checked against the blob's size. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Blobs as a repository sees them: bytes are stored once by digest and shared;
 * a repository holds a blob when it has a link to it.
 */
export class BlobService {
  private readonly links: LinkStore;

  constructor(
    private readonly driver: StorageDriver,
    private readonly guard: WriteGuard,
    private readonly events: RegistryEvents,
    private readonly cache: BlobDescriptorCache = NO_BLOB_DESCRIPTOR_CACHE,
    private readonly options: { redirect: boolean } = { redirect: false },
  ) {
    this.links = new LinkStore(driver);
  }

  /**
   * Where the client fetches the blob instead of here (a URL the storage signed, valid 20
   * minutes), with the pull event a served blob gets; undefined when redirects are off or the
   * storage cannot sign one. Manifests are never sent this way: their service serves them.
   */
  async redirect(name: string, digest: Digest, method: 'GET' | 'HEAD', ctx?: EventContext): Promise<{ info: BlobInfo; url: string } | undefined> {
    if (!this.options.redirect || !this.driver.redirectURL) return undefined;
    const info = await this.stat(name, digest);
    const url = await this.driver.redirectURL(paths.blobData(digest), { method, expiresInMs: BLOB_REDIRECT_EXPIRY_MS });
    if (url === undefined) return undefined;
    if (ctx) await this.events.blobPulled(ctx, name, digest, info.size);
    return { info, url };
  }

  /** Size of a blob the repository holds. Manifests count as blobs too, as clients expect. */
  async stat(name: string, digest: Digest): Promise<BlobInfo> {
    const cached = await this.cache.stat(name, digest);
    if (cached !== undefined) return cached;
    // One round trip, not two: on an object store each check is a request.
    const [layer, revision, size] = await Promise.all([
      this.links.exists(paths.layerLink(name, digest)),
      this.links.exists(paths.revisionLink(name, digest)),
      this.links.statSize(paths.blobData(digest)),
    ]);
    if ((!layer && !revision) || size === undefined) throw blobUnknown(digest);
    await this.cache.remember(name, { digest, size });
    return { digest, size };
  }

  /** The repository no longer holds `digest` as a blob or a manifest (a delete elsewhere unlinked it). */
  forget(name: string, digest: Digest): Promise<void> {
    return this.cache.forget(name, digest);
  }

  /** A HEAD: the blob's size, and a pull event as registry:2 sends for HEADs too. */
  async head(name: string, digest: Digest, ctx?: EventContext): Promise<BlobInfo> {
    const info = await this.stat(name, digest);
    if (ctx) await this.events.blobPulled(ctx, name, digest, info.size);
    return info;
  }

  async open(name: string, digest: Digest, range?: ByteRange, ctx?: EventContext): Promise<{ info: BlobInfo; stream: Readable }> {
    const info = await this.stat(name, digest);
    let stream: Readable;
    try {
      stream = await this.driver.reader(paths.blobData(digest), range?.start ?? 0, range?.end);
    } catch (err) {
      if (isPathNotFound(err)) throw blobUnknown(digest);
      throw err;
    }
    try {
      if (ctx) await this.events.blobPulled(ctx, name, digest, info.size);
    } catch (err) {
      stream.destroy();
      throw err;
    }
    return { info, stream };
  }

  /** Unlinks the blob from the repository; its bytes go when garbage collection finds no other link. */
  async delete(name: string, digest: Digest, ctx?: EventContext): Promise<void> {
    this.guard.assertDeletable();
    const removed = await this.links.remove(paths.layerDir(name, digest));
    await this.cache.forget(name, digest);
    if (!removed) throw blobUnknown(digest);
    if (ctx) await this.events.blobDeleted(ctx, name, digest);
  }

  /**
   * Links an existing blob into `name`. With `from`, only a blob that repository
   * holds; without it (the spec's anonymous mount), any blob the registry stores.
   * Returns undefined when there is nothing to mount, so the caller starts an upload.
   */
  async mount(name: string, digest: Digest, from: string | undefined, ctx?: EventContext): Promise<BlobInfo | undefined> {
    this.guard.assertWritable();
    if (from !== undefined && !(await this.links.exists(paths.layerLink(from, digest)))) return undefined;
    const size = await this.links.statSize(paths.blobData(digest));
    if (size === undefined) return undefined;
    await this.link(name, digest);
    if (ctx) await this.events.blobMounted(ctx, name, digest, size, from);
    return { digest, size };
  }

  isLinked(name: string, digest: Digest): Promise<boolean> {
    return this.links.exists(paths.layerLink(name, digest));
  }

  link(name: string, digest: Digest): Promise<void> {
    return this.links.write(paths.layerLink(name, digest), digest);
  }
}

export function blobUnknown(digest: Digest): RegistryError {
  return new RegistryError('BLOB_UNKNOWN', { digest: digest.value });
}
