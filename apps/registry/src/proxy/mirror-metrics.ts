import { Counter, Gauge, type Registry } from 'prom-client';
import type { CacheObserver, UpstreamFailure } from '@wharf/registry-core';

/**
 * The pull-through cache's Prometheus metrics, this process's own (served with the pipeline's at
 * `http.debug.prometheus.path`). A miss is a `fill`: the request was answered from the upstream.
 */
export class MirrorMetrics implements CacheObserver {
  private readonly requests: Counter<'upstream' | 'kind' | 'outcome'>;
  private readonly servedBytes: Counter<'upstream' | 'outcome'>;
  private readonly upstreamBytes: Counter<'upstream'>;
  private readonly upstreamErrors: Counter<'upstream' | 'failure'>;
  private readonly rateLimit: Gauge<'upstream'>;
  private readonly rateRemaining: Gauge<'upstream'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({
      name: 'wharf_mirror_requests_total',
      help: 'Pulls of cached repositories by outcome: hit (from storage) or fill (a miss, answered from the upstream).',
      labelNames: ['upstream', 'kind', 'outcome'],
      registers,
    });
    this.servedBytes = new Counter({ name: 'wharf_mirror_served_bytes_total', help: 'Bytes owed to clients by pulls of cached repositories.', labelNames: ['upstream', 'outcome'], registers });
    this.upstreamBytes = new Counter({ name: 'wharf_mirror_upstream_bytes_total', help: 'Bytes read from upstream registries.', labelNames: ['upstream'], registers });
    this.upstreamErrors = new Counter({
      name: 'wharf_mirror_upstream_errors_total',
      help: 'Failed upstream requests: denied, rate-limited, unavailable, bad-answer.',
      labelNames: ['upstream', 'failure'],
      registers,
    });
    this.rateLimit = new Gauge({ name: 'wharf_mirror_upstream_ratelimit_limit', help: 'The upstream\'s ratelimit-limit header (Docker Hub: pulls per window).', labelNames: ['upstream'], registers });
    this.rateRemaining = new Gauge({ name: 'wharf_mirror_upstream_ratelimit_remaining', help: 'The upstream\'s ratelimit-remaining header.', labelNames: ['upstream'], registers });
  }

  served(upstream: string, kind: 'manifest' | 'blob', outcome: 'hit' | 'fill', bytes: number): void {
    this.requests.inc({ upstream, kind, outcome });
    if (bytes > 0) this.servedBytes.inc({ upstream, outcome }, bytes);
  }

  fetched(upstream: string, bytes: number): void {
    this.upstreamBytes.inc({ upstream }, bytes);
  }

  failed(upstream: string, failure: UpstreamFailure): void {
    this.upstreamErrors.inc({ upstream, failure });
  }

  rateLimited(upstream: string, limit: number, remaining: number): void {
    this.rateLimit.set({ upstream }, limit);
    this.rateRemaining.set({ upstream }, remaining);
  }
}
