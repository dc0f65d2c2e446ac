import type { RedisConnection } from './redis-connection.js';

/** Cluster-wide totals of one upstream, as the mirror page shows them. */
export interface MirrorStats {
  upstream: string;
  /** Requests answered from storage / from the upstream (misses). */
  hits: number;
  fills: number;
  /** Bytes owed to clients by those requests, and bytes read from the upstream. */
  servedBytes: number;
  fetchedBytes: number;
  errors: number;
  lastFailureAt: string | null;
  lastFailure: string | null;
}

const statsKey = (prefix: string, upstream: string) => `${prefix}:mirror:stats:${upstream}`;

/** The totals every replica recorded for these upstreams (the API's side of the recorder below). */
export async function readMirrorStats(redis: RedisConnection, prefix: string, upstreams: readonly string[]): Promise<MirrorStats[]> {
  const hashes = await Promise.all(upstreams.map((u) => redis.hgetall(statsKey(prefix, u))));
  return upstreams.map((upstream, i) => {
    const h = hashes[i] ?? {};
    const n = (field: string) => Number(h[field] ?? 0);
    return {
      upstream,
      hits: n('hits'),
      fills: n('fills'),
      servedBytes: n('servedBytes'),
      fetchedBytes: n('fetchedBytes'),
      errors: n('errors'),
      lastFailureAt: h['lastFailureAt'] ?? null,
      lastFailure: h['lastFailure'] ?? null,
    };
  });
}

const FLUSH_INTERVAL_MS = 1_000;

interface Pending {
  hits: number;
  fills: number;
  servedBytes: number;
  fetchedBytes: number;
  errors: number;
  lastFailure?: { at: string; failure: string; detail: string };
}

/**
 * Per-upstream totals every replica adds to in Redis (`<prefix>:mirror:stats:<upstream>`), so the
 * API's mirror page sees the whole cluster without reading any registry's memory. Counts gather
 * in memory and go out once a second: the request path never waits for Redis.
 */
export class MirrorStatsRecorder {
  private pending = new Map<string, Pending>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
    private readonly onError: (err: unknown) => void,
  ) {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  served(upstream: string, _kind: 'manifest' | 'blob', outcome: 'hit' | 'fill', bytes: number): void {
    const p = this.of(upstream);
    if (outcome === 'hit') p.hits++;
    else p.fills++;
    p.servedBytes += bytes;
  }

  fetched(upstream: string, bytes: number): void {
    this.of(upstream).fetchedBytes += bytes;
  }

  failed(upstream: string, failure: string, detail: string): void {
    const p = this.of(upstream);
    p.errors++;
    p.lastFailure = { at: new Date().toISOString(), failure, detail: detail.slice(0, 500) };
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const multi = this.redis.multi();
    for (const [upstream, p] of batch) {
      const key = statsKey(this.prefix, upstream);
      multi.hincrby(key, 'hits', p.hits).hincrby(key, 'fills', p.fills).hincrby(key, 'errors', p.errors);
      multi.hincrby(key, 'servedBytes', p.servedBytes).hincrby(key, 'fetchedBytes', p.fetchedBytes);
      if (p.lastFailure) multi.hset(key, 'lastFailureAt', p.lastFailure.at, 'lastFailure', `${p.lastFailure.failure}: ${p.lastFailure.detail}`);
    }
    await multi.exec().catch(this.onError);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private of(upstream: string): Pending {
    let p = this.pending.get(upstream);
    if (p === undefined) {
      p = { hits: 0, fills: 0, servedBytes: 0, fetchedBytes: 0, errors: 0 };
      this.pending.set(upstream, p);
    }
    return p;
  }
}
