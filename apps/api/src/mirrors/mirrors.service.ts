import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { WharfConfig } from '@wharf/config';
import { QUEUE_PREFIX } from '@wharf/events';
import { closeConnection, createRedisConnection, readMirrorStats, type MirrorStats } from '@wharf/queue';
import type { RedisConnection } from '@wharf/queue';
import { WHARF_CONFIG } from '../api.tokens.js';
import { ApiError } from '../http/api-error.js';

export interface MirrorView extends MirrorStats {
  /** The configured remote URL, without any credentials. */
  remoteUrl: string;
  /** Cached content is dropped this long after it was fetched; 0 keeps it. */
  ttlSeconds: number;
  /** hits / (hits + fills), or null before the first request. */
  hitRate: number | null;
}

/**
 * The pull-through cache as the mirror page shows it: every configured upstream with the totals all
 * registry replicas add up in Redis (an upstream no longer configured is not shown). The API never reads a registry's memory.
 */
@Injectable()
export class MirrorsService implements OnApplicationShutdown {
  private readonly redis: RedisConnection | undefined;

  constructor(@Inject(WHARF_CONFIG) private readonly config: WharfConfig) {
    if (config.redis !== undefined) this.redis = createRedisConnection(config.redis, 'producer');
  }

  async list(): Promise<{ mode: 'proxy' | 'mirrors'; mirrors: MirrorView[] }> {
    const configured = new Map(this.config.upstreams.list.map((u) => [u.host || new URL(u.remoteUrl).host, u]));
    const stats = this.redis === undefined ? [...configured.keys()].map(emptyStats) : await this.read([...configured.keys()]);
    const mirrors = stats.map((s): MirrorView => {
      const upstream = configured.get(s.upstream)!;
      const asked = s.hits + s.fills;
      return {
        ...s,
        remoteUrl: withoutCredentials(upstream.remoteUrl),
        ttlSeconds: upstream.ttlMs / 1000,
        hitRate: asked === 0 ? null : s.hits / asked,
      };
    });
    return { mode: this.config.upstreams.mode, mirrors };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.redis !== undefined) await closeConnection(this.redis);
  }

  private async read(upstreams: string[]): Promise<MirrorStats[]> {
    try {
      return await readMirrorStats(this.redis!, QUEUE_PREFIX, upstreams);
    } catch (err) {
      throw new ApiError('MIRRORS_UNAVAILABLE', `Redis does not answer: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

function emptyStats(upstream: string): MirrorStats {
  return { upstream, hits: 0, fills: 0, servedBytes: 0, fetchedBytes: 0, errors: 0, lastFailureAt: null, lastFailure: null };
}

function withoutCredentials(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString().replace(/\/$/, '');
}
