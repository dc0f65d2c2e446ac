import type { Readable } from 'node:stream';
import type { Digest } from '../digest.js';
import type { EventContext } from '../events/event-context.js';
import type { ManifestReference } from '../reference.js';
import type { BlobInfo, BlobService, ByteRange } from '../services/blob.service.js';
import type { ManifestService, StoredManifest } from '../services/manifest.service.js';
import type { PullThroughBlobs } from './pull-through-blobs.js';
import type { PullThroughManifests } from './pull-through-manifests.js';
import type { UpstreamRouter } from './upstream-router.js';
import { lexical, type Page, type PageRequest } from '../services/pagination.js';
import type { TagService } from '../services/tag.service.js';
import { isUpstreamError } from './upstream.js';

/**
 * The read side of the API in front of hosted and cached repositories alike: each request goes to
 * storage (a repository Wharf hosts) or through the pull-through cache, as the router decides.
 * With no upstream configured it is the hosted services and nothing else.
 */
export class RepositoryReads {
  constructor(
    private readonly router: UpstreamRouter,
    private readonly manifests: ManifestService,
    private readonly blobs: BlobService,
    private readonly cachedManifests: PullThroughManifests,
    private readonly cachedBlobs: PullThroughBlobs,
    private readonly tagService: TagService,
  ) {}

  async manifest(name: string, ns: string | undefined, reference: ManifestReference, accept: readonly string[], ctx?: EventContext): Promise<StoredManifest> {
    const route = await this.router.forPull(name, ns);
    return route === undefined ? this.manifests.get(name, reference, accept, ctx) : this.cachedManifests.get(route, reference, accept, ctx);
  }

  /**
   * Where a hosted repository's blob is fetched instead (storage's signed URL), or undefined. A
   * cached repository's blobs are always served here: a miss must fill the cache, and a hit's pull
   * event says so.
   */
  async redirectBlob(name: string, ns: string | undefined, digest: Digest, method: 'GET' | 'HEAD', ctx?: EventContext): Promise<{ info: BlobInfo; url: string } | undefined> {
    const route = await this.router.forPull(name, ns);
    return route === undefined ? this.blobs.redirect(name, digest, method, ctx) : undefined;
  }

  async headBlob(name: string, ns: string | undefined, digest: Digest, ctx?: EventContext): Promise<BlobInfo> {
    const route = await this.router.forPull(name, ns);
    return route === undefined ? this.blobs.head(name, digest, ctx) : this.cachedBlobs.head(route, digest, ctx);
  }

  async openBlob(name: string, ns: string | undefined, digest: Digest, range?: ByteRange, ctx?: EventContext): Promise<{ info: BlobInfo; stream: Readable }> {
    const route = await this.router.forPull(name, ns);
    return route === undefined ? this.blobs.open(name, digest, range, ctx) : this.cachedBlobs.open(route, digest, range, ctx);
  }

  /** The size a Range is checked against; a cached blob is fetched first. */
  async blobSize(name: string, ns: string | undefined, digest: Digest): Promise<number> {
    const route = await this.router.forPull(name, ns);
    if (route !== undefined) return (await this.cachedBlobs.ensure(route, digest)).size;
    return (await this.blobs.stat(name, digest)).size;
  }

  /**
   * Tags, as registry:2's proxy lists them: a cache's are the upstream's, or the cached ones when the
   * upstream cannot answer.
   */
  async tags(name: string, ns: string | undefined, page: PageRequest): Promise<Page<string> & { size: number }> {
    const route = await this.router.forPull(name, ns);
    if (route === undefined) return this.tagService.list(name, page);
    let upstreamTags: string[];
    try {
      upstreamTags = await route.upstream.listTags(route.remoteName);
    } catch (err) {
      if (!isUpstreamError(err)) throw err;
      return this.tagService.list(route.name, page);
    }
    return this.tagService.page([...upstreamTags].sort(lexical), page);
  }

  /** The repository a listing (referrers) reads: a cache's is what it holds so far. */
  async storedName(name: string, ns: string | undefined): Promise<string> {
    return (await this.router.forPull(name, ns))?.name ?? name;
  }

  /** Refuses pushes, deletes and mounts into a cached repository (405 UNSUPPORTED). */
  assertWritable(name: string, ns: string | undefined): void {
    this.router.assertWritable(name, ns);
  }
}
