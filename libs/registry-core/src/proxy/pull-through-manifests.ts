import { digestBytes, type Digest } from '../digest.js';
import { RegistryError } from '../errors/registry-error.js';
import type { EventContext } from '../events/event-context.js';
import type { ManifestReference } from '../reference.js';
import type { ManifestService, StoredManifest } from '../services/manifest.service.js';
import type { CacheObserver } from './cache-observer.js';
import type { CacheRoute } from './cache-route.js';
import type { FillCoordinator } from './fill-coordinator.js';
import { SingleFlight } from './single-flight.js';
import { toClientError } from './upstream-errors.js';
import { isUpstreamError, UpstreamError } from './upstream.js';

export interface PullThroughManifestsOptions {
  /** Called when a tag is served from the cache because the upstream could not be asked. */
  onStale?: (route: CacheRoute, tag: string, err: UpstreamError) => void;
}

/**
 * Manifests of cached repositories, with registry:2's proxy semantics: a tag is revalidated
 * upstream (a HEAD) on every pull, and answered from the cache when the upstream fails; a digest is
 * answered from the cache first. What the upstream sends is checked against its digest and parsed
 * before it is stored, and one fetch serves every client asking for the same manifest meanwhile.
 */
export class PullThroughManifests {
  private readonly fetches = new SingleFlight<void>();

  constructor(
    private readonly manifests: ManifestService,
    private readonly coordinator: FillCoordinator,
    private readonly observer: CacheObserver,
    private readonly options: PullThroughManifestsOptions = {},
  ) {}

  async get(route: CacheRoute, reference: ManifestReference, accept: readonly string[], ctx?: EventContext): Promise<StoredManifest> {
    const outcome = reference.kind === 'tag' ? await this.revalidateTag(route, reference.tag) : await this.ensureDigest(route, reference.digest);
    const manifest = await this.manifests.get(route.name, reference, accept, ctx && { ...ctx, cache: { cache: outcome, upstream: route.upstream.label } });
    this.observer.served(route.upstream.label, 'manifest', outcome, manifest.bytes.length);
    return manifest;
  }

  /** Points the cached tag where the upstream's does; 'hit' when that manifest was already here. */
  private async revalidateTag(route: CacheRoute, tag: string): Promise<'hit' | 'fill'> {
    let digest: Digest | undefined;
    try {
      digest = (await route.upstream.resolveManifest(route.remoteName, tag)).digest;
    } catch (err) {
      if (!isUpstreamError(err)) throw err;
      if (err.failure !== 'not-found') this.observer.failed(route.upstream.label, err.failure, err.detail);
      // As registry:2: an upstream that cannot answer leaves the cached tag in service.
      if ((await this.manifests.tagged(route.name, tag)) !== undefined) {
        this.options.onStale?.(route, tag, err);
        return 'hit';
      }
      throw toClientError(err, manifestUnknown({ tag }));
    }
    if (digest !== undefined && (await this.manifests.holds(route.name, digest))) {
      await this.manifests.adoptTag(route.name, tag, digest);
      return 'hit';
    }
    if (digest === undefined) {
      // An upstream that does not name digests on HEAD: the tag itself is fetched and its digest computed.
      await this.fetches.run(`${route.name}:${tag}`, () => this.fetch(route, tag, undefined, tag));
      return 'fill';
    }
    await this.fetches.run(`${route.name}@${digest.value}`, () => this.fetch(route, digest.value, digest, undefined));
    await this.manifests.adoptTag(route.name, tag, digest);
    return 'fill';
  }

  private async ensureDigest(route: CacheRoute, digest: Digest): Promise<'hit' | 'fill'> {
    if (await this.manifests.holds(route.name, digest)) return 'hit';
    await this.fetches.run(`${route.name}@${digest.value}`, () => this.fetch(route, digest.value, digest, undefined));
    return 'fill';
  }

  private async fetch(route: CacheRoute, reference: string, expected: Digest | undefined, tag: string | undefined): Promise<void> {
    const held = () => (expected === undefined ? Promise.resolve(false) : this.manifests.holds(route.name, expected));
    const claim = await this.coordinator.claim(`manifest:${route.name}@${reference}`, held);
    if (claim === 'present') return;
    try {
      const answer = await route.upstream.fetchManifest(route.remoteName, reference);
      this.observer.fetched(route.upstream.label, answer.bytes.length);
      const actual = digestBytes(answer.bytes, expected?.algorithm ?? answer.digest?.algorithm ?? 'sha256');
      const claimed = expected ?? answer.digest;
      if (claimed !== undefined && claimed.value !== actual.value) {
        throw new UpstreamError('bad-answer', `manifest ${claimed.value} arrived with digest ${actual.value}`);
      }
      try {
        await this.manifests.adopt(route.name, actual, answer.bytes, answer.mediaType, tag);
      } catch (err) {
        if (err instanceof RegistryError && err.code === 'MANIFEST_INVALID') {
          throw new UpstreamError('bad-answer', `not a manifest: ${typeof err.detail === 'string' ? err.detail : err.message}`);
        }
        throw err;
      }
    } catch (err) {
      if (!isUpstreamError(err)) throw err;
      if (err.failure !== 'not-found') this.observer.failed(route.upstream.label, err.failure, err.detail);
      throw toClientError(err, manifestUnknown(expected === undefined ? { tag: reference } : { digest: reference }));
    } finally {
      await claim.release().catch(() => undefined);
    }
  }
}

function manifestUnknown(detail: Record<string, string>): RegistryError {
  return new RegistryError('MANIFEST_UNKNOWN', detail);
}
