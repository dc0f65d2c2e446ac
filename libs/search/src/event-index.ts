import { ConfigError, retentionCutoff, type RetentionPeriod } from '@wharf/config';

/**
 * Where events live in Elasticsearch: one index per calendar month (UTC) of the event's own
 * timestamp, `${prefix}-events-YYYY.MM`, all reached for reading through the alias `${prefix}-events`
 * that the index template attaches to every new month.
 *
 * Why monthly indices and not one: retention is dropping a whole month (no delete_by_query), shards
 * stay bounded as years of events pile up, and no ILM or data-stream module is needed (the
 * distribution we test against has neither). Why not a data stream or rollover: the month is a pure
 * function of the event, so re-delivering an event always lands on the same index and overwrites
 * the same `_id` — exactly-once in effect. Rollover would route a late duplicate to a newer index.
 */
export interface EventIndexNames {
  /** The read alias every monthly index joins. */
  readonly alias: string;
  /** The composable index template's name. */
  readonly template: string;
  /** The pattern the template applies to. */
  readonly pattern: string;
}

// Elasticsearch index names: lower case, no \ / * ? " < > | , # : or space, not starting with - _ +.
const INDEX_PREFIX = /^[a-z0-9][a-z0-9._-]{0,200}$/;

/** Throws a ConfigError for an `elasticsearch.indexprefix` that cannot start an index name. */
export function assertIndexPrefix(prefix: string): void {
  if (!INDEX_PREFIX.test(prefix) || prefix === '.' || prefix === '..') {
    throw new ConfigError([
      {
        path: 'elasticsearch.indexprefix',
        message: 'expected lower-case letters, digits, ".", "_" or "-", starting with a letter or digit',
      },
    ]);
  }
}

export function eventIndexNames(prefix: string): EventIndexNames {
  return { alias: `${prefix}-events`, template: `${prefix}-events`, pattern: `${prefix}-events-*` };
}

/** The monthly index an event with this timestamp (epoch ms) belongs to. */
export function eventIndexFor(prefix: string, timestampMs: number): string {
  const at = new Date(timestampMs);
  const month = String(at.getUTCMonth() + 1).padStart(2, '0');
  return `${prefix}-events-${at.getUTCFullYear()}.${month}`;
}

/**
 * The monthly indices among `names` that retention removes at `nowMs`: those whose every event is
 * past the retention, i.e. whose month ended (first instant of the next month, UTC) at or before
 * `nowMs` minus the period. With `13mo`, `…-2025.01` goes from 2026-03-01T00:00Z on. Names that
 * are not exactly `${prefix}-events-YYYY.MM` (another prefix, a restored copy) are never chosen.
 */
export function expiredEventIndices(prefix: string, names: readonly string[], period: RetentionPeriod, nowMs: number): string[] {
  const cutoff = retentionCutoff(period, nowMs);
  const monthly = new RegExp(`^${prefix.replace(/[.]/g, '\\.')}-events-(\\d{4})\\.(\\d{2})$`);
  return names.filter((name) => {
    const match = monthly.exec(name);
    if (match === null) return false;
    const month = Number(match[2]);
    if (month < 1 || month > 12) return false;
    return Date.UTC(Number(match[1]), month, 1) <= cutoff; // Date.UTC months are 0-based: this is the next month's start
  });
}
