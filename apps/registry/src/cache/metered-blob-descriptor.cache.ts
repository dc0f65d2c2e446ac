import { Counter, type Registry } from 'prom-client';
import type { BlobDescriptor, BlobDescriptorCache, Digest } from '@wharf/registry-core';
import type { Logger } from '@wharf/observability';

/**
 * Keeps the cache off the failure path and counts what it does. A cache error is logged (once per
 * outage, not per request) and answered as a miss, never failing a request. The counters keep
 * registry:2's names (`registry_storage_cache_requests_total`, `…_hits_total`, `…_errors_total`)
 * and add `…_misses_total`; they are served on the debug server's Prometheus path.
 */
export class MeteredBlobDescriptorCache implements BlobDescriptorCache {
  private readonly requests: Counter;
  private readonly hits: Counter;
  private readonly misses: Counter;
  private readonly errors: Counter;
  private failing = false;

  constructor(
    private readonly inner: BlobDescriptorCache,
    metrics: Registry,
    private readonly logger: Logger,
  ) {
    const counter = (name: string, help: string) => new Counter({ name: `registry_storage_cache_${name}_total`, help, registers: [metrics] });
    this.requests = counter('requests', 'Blob descriptor cache lookups.');
    this.hits = counter('hits', 'Blob descriptor cache lookups answered by the cache.');
    this.misses = counter('misses', 'Blob descriptor cache lookups that went to storage.');
    this.errors = counter('errors', 'Blob descriptor cache operations that failed (answered from storage).');
  }

  async stat(repository: string, digest: Digest): Promise<BlobDescriptor | undefined> {
    this.requests.inc();
    const found = await this.guard('stat', () => this.inner.stat(repository, digest));
    (found === undefined ? this.misses : this.hits).inc();
    return found;
  }

  async remember(repository: string, descriptor: BlobDescriptor): Promise<void> {
    await this.guard('remember', () => this.inner.remember(repository, descriptor));
  }

  async forget(repository: string, digest: Digest): Promise<void> {
    await this.guard('forget', () => this.inner.forget(repository, digest));
  }

  private async guard<T>(operation: string, run: () => Promise<T>): Promise<T | undefined> {
    try {
      const result = await run();
      if (this.failing) {
        this.failing = false;
        this.logger.info('blob descriptor cache answers again');
      }
      return result;
    } catch (err) {
      this.errors.inc();
      if (!this.failing) {
        this.failing = true;
        this.logger.warn({ err, operation }, 'blob descriptor cache failed; answering from storage until it recovers');
      }
      return undefined;
    }
  }
}
