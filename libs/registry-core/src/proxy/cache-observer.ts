import type { UpstreamFailure } from './upstream.js';

/** What the cache reports for metrics and the mirror page; implemented at the edge (Prometheus, Redis). */
export interface CacheObserver {
  /** A request answered: from storage (`hit`) or from the upstream (`fill`), with the bytes it is owed. */
  served(upstream: string, kind: 'manifest' | 'blob', outcome: 'hit' | 'fill', bytes: number): void;
  /** Bytes read from the upstream. */
  fetched(upstream: string, bytes: number): void;
  /** An upstream request that failed; `detail` carries no credentials. */
  failed(upstream: string, failure: UpstreamFailure, detail: string): void;
}

export const NO_CACHE_OBSERVER: CacheObserver = { served: () => undefined, fetched: () => undefined, failed: () => undefined };
