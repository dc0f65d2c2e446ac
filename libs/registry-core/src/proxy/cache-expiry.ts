import { parseDigest, type Digest } from '../digest.js';
import { RepositoryWalker } from '../maintenance/repository.walker.js';
import { PeriodicTask } from '../maintenance/periodic-task.js';
import type { ManifestService } from '../services/manifest.service.js';
import { paths } from '../storage/paths.js';
import { isPathNotFound, type StorageDriver } from '../storage/storage-driver.js';
import { LinkStore } from '../stores/link.store.js';

export interface CachedRepositories {
  /** The upstream's host ('' for registry:2's proxy, whose repositories are all caches). */
  host: string;
  /** 0: kept until deleted by hand. */
  ttlMs: number;
}

export interface CacheExpiryOptions {
  /** registry:2's proxy: the whole registry is a cache, so an expired blob's bytes go too. */
  deleteBlobData: boolean;
  now?: () => number;
  onRun?: (report: CacheExpiryReport) => void;
  onError?: (err: unknown) => void;
}

export interface CacheExpiryReport {
  expiredBlobs: number;
  expiredManifests: number;
}

/**
 * Forgets cached content `ttl` after it was fetched, as registry:2's proxy scheduler does. The
 * fetch time is the modification time of the link the fill wrote (`_layers/…/link`,
 * `_manifests/revisions/…/link`): it lives in the shared storage, so every replica sees the same
 * expiry and none keeps a file of its own, and a sweep by two replicas at once only deletes twice.
 * Expired blobs are unlinked (their bytes go at the next garbage collection, or at once under
 * `proxy`, where nothing else can hold them); expired manifests lose their revision and tags. The
 * next pull fetches them again.
 */
export class CacheExpiry {
  private readonly links: LinkStore;
  private readonly walker: RepositoryWalker;
  private readonly now: () => number;
  private readonly schedule: PeriodicTask<CacheExpiryReport>;

  constructor(
    private readonly driver: StorageDriver,
    private readonly manifests: ManifestService,
    private readonly caches: readonly CachedRepositories[],
    private readonly options: CacheExpiryOptions,
  ) {
    this.links = new LinkStore(driver);
    this.walker = new RepositoryWalker(driver);
    this.now = options.now ?? Date.now;
    this.schedule = new PeriodicTask(() => this.sweepOnce(), options.onRun, options.onError);
  }

  start(intervalMs: number, firstRunDelayMs = 0): void {
    if (this.caches.some((c) => c.ttlMs > 0)) this.schedule.start(intervalMs, firstRunDelayMs);
  }

  stop(): Promise<void> {
    return this.schedule.stop();
  }

  async sweepOnce(): Promise<CacheExpiryReport> {
    const report: CacheExpiryReport = { expiredBlobs: 0, expiredManifests: 0 };
    const repositories = await this.walker.list();
    for (const cache of this.caches) {
      if (cache.ttlMs <= 0) continue;
      const cutoff = this.now() - cache.ttlMs;
      const mine = repositories.filter((r) => cache.host === '' || r.name.startsWith(`${cache.host}/`));
      for (const { name } of mine) {
        for (const digest of await this.expired(paths.layers(name), cutoff)) {
          await this.links.remove(paths.layerDir(name, digest));
          if (this.options.deleteBlobData) await this.links.remove(paths.blobDir(digest));
          report.expiredBlobs++;
        }
        for (const digest of await this.expired(paths.revisions(name), cutoff)) {
          await this.manifests.evict(name, digest);
          report.expiredManifests++;
        }
      }
    }
    return report;
  }

  /** Digests under `<dir>/<alg>/<hex>/link` whose link was written before `cutoff`. */
  private async expired(dir: string, cutoff: number): Promise<Digest[]> {
    const found: Digest[] = [];
    for (const algorithm of await this.links.children(dir)) {
      for (const hex of await this.links.children(`${dir}/${algorithm}`)) {
        let digest: Digest;
        try {
          digest = parseDigest(`${algorithm}:${hex}`);
        } catch {
          continue;
        }
        try {
          if ((await this.driver.stat(`${dir}/${algorithm}/${hex}/link`)).modTime.getTime() < cutoff) found.push(digest);
        } catch (err) {
          if (!isPathNotFound(err)) throw err;
        }
      }
    }
    return found;
  }
}
