import type { Client } from '@elastic/elasticsearch';
import type { RetentionPeriod } from '@wharf/config';
import { eventIndexNames, expiredEventIndices } from './event-index.js';

/**
 * `elasticsearch.retention`: drops whole monthly event indices once all their events are past the
 * retention (see expiredEventIndices for exactly when). Dropping an index is cheap and frees its
 * disk at once, which a delete_by_query over one big index would not.
 */
export class EventIndexRetention {
  constructor(
    private readonly client: Client,
    private readonly prefix: string,
    private readonly period: RetentionPeriod,
  ) {}

  /** Deletes the expired months; returns their names (none: nothing to do). Safe to run from several indexers at once. */
  async prune(nowMs: number = Date.now()): Promise<string[]> {
    const rows = await this.client.cat.indices({ index: eventIndexNames(this.prefix).pattern, h: 'index', format: 'json', expand_wildcards: 'all' });
    const names = rows.map((row) => row.index).filter((name): name is string => name !== undefined);
    const expired = expiredEventIndices(this.prefix, names, this.period, nowMs);
    if (expired.length === 0) return [];
    // named one by one: wildcard deletes are refused by default (action.destructive_requires_name)
    await this.client.indices.delete({ index: expired.join(','), ignore_unavailable: true });
    return expired;
  }
}
