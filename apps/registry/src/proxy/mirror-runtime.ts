import type { RedisConnection } from '@wharf/queue';
import type { Registry } from 'prom-client';
import type { RedisConfig, UpstreamConfig } from '@wharf/config';
import { QUEUE_PREFIX } from '@wharf/events';
import type { Logger } from '@wharf/observability';
import { createRedisConnection, MirrorStatsRecorder } from '@wharf/queue';
import { NO_CACHE_OBSERVER, PROCESS_FILL_LOCK, type CacheObserver, type FillLock, type Upstream } from '@wharf/registry-core';
import { HttpUpstream } from './http-upstream.js';
import { MirrorMetrics } from './mirror-metrics.js';
import { RedisFillLock } from './redis-fill.lock.js';

export interface MirrorSettings {
  mode: 'proxy' | 'mirrors';
  list: UpstreamConfig[];
}

/**
 * The pull-through cache's connections to the outside: one HTTP client per upstream, the fill lock
 * and shared statistics in the configured Redis (none without a `redis` section: then one process
 * is the whole cache), and the metrics. Built once per registry process; what registry-core's
 * cache services are given as ports.
 */
export class MirrorRuntime {
  private constructor(
    readonly mode: 'proxy' | 'mirrors',
    readonly upstreams: ReadonlyMap<string, Upstream>,
    readonly lock: FillLock,
    readonly observer: CacheObserver,
    private readonly closers: (() => Promise<unknown>)[],
  ) {}

  /** With no upstream configured: ports that are never used (every repository is hosted). */
  static readonly NONE = new MirrorRuntime('mirrors', new Map(), PROCESS_FILL_LOCK, NO_CACHE_OBSERVER, []);

  static create(settings: MirrorSettings, redisConfig: RedisConfig | undefined, metricsRegistry: Registry, logger: Logger, userAgent: string): MirrorRuntime {
    if (settings.list.length === 0) return MirrorRuntime.NONE;
    const metrics = new MirrorMetrics(metricsRegistry);
    const upstreams = new Map<string, Upstream>();
    const clients: HttpUpstream[] = [];
    for (const upstream of settings.list) {
      const label = upstream.host || new URL(upstream.remoteUrl).host;
      const client = new HttpUpstream({
        label,
        remoteUrl: upstream.remoteUrl,
        ...(upstream.username === undefined ? {} : { username: upstream.username }),
        ...(upstream.password === undefined ? {} : { password: upstream.password }),
        userAgent,
        onRateLimit: (limit, remaining) => metrics.rateLimited(label, limit, remaining),
      });
      upstreams.set(upstream.host, client);
      clients.push(client);
    }
    const closers: (() => Promise<unknown>)[] = clients.map((c) => () => c.close());
    let lock: FillLock = PROCESS_FILL_LOCK;
    const observers: CacheObserver[] = [metrics];
    if (redisConfig !== undefined) {
      const redis: RedisConnection = createRedisConnection(redisConfig, 'producer');
      // Once a minute at most: Redis being away is one condition, not one per request.
      let warnedAt = 0;
      const warn = (err: unknown) => {
        if (Date.now() - warnedAt < 60_000) return;
        warnedAt = Date.now();
        logger.warn({ err }, 'pull-through cache: redis unavailable; fills are coordinated in this process only and statistics are not recorded');
      };
      lock = new RedisFillLock(redis, QUEUE_PREFIX, warn);
      const stats = new MirrorStatsRecorder(redis, QUEUE_PREFIX, warn);
      observers.push(stats);
      closers.push(() => stats.close(), () => redis.quit().catch(() => redis.disconnect()));
    }
    const observer: CacheObserver = {
      served: (...args) => observers.forEach((o) => o.served(...args)),
      fetched: (...args) => observers.forEach((o) => o.fetched(...args)),
      failed: (upstream, failure, detail) => {
        logger.warn({ upstream, failure, detail }, 'upstream request failed');
        observers.forEach((o) => o.failed(upstream, failure, detail));
      },
    };
    logger.info({ mode: settings.mode, upstreams: settings.list.map((u) => ({ host: u.host, remoteUrl: u.remoteUrl, ttlMs: u.ttlMs })) }, 'pull-through cache on');
    return new MirrorRuntime(settings.mode, upstreams, lock, observer, closers);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.closers.map((close) => close()));
  }
}
