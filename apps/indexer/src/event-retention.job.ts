import { formatRetention, type ElasticsearchConfig } from '@wharf/config';
import { runPeriodically, type Logger, type PeriodicTask } from '@wharf/observability';
import { EventIndexRetention } from '@wharf/search';

/** How often expired months are looked for: a month goes within this long of its time. */
export const EVENT_RETENTION_INTERVAL_MS = 3_600_000;

/**
 * `elasticsearch.retention` in the indexer role: at start and then hourly, drops the monthly
 * indices past the retention. Every indexer replica runs it; deleting a month twice is harmless.
 * Undefined when no retention is configured (events are kept forever).
 */
export function startEventRetention(
  client: ConstructorParameters<typeof EventIndexRetention>[0],
  config: ElasticsearchConfig,
  log: Logger,
): PeriodicTask | undefined {
  const period = config.retention;
  if (period === undefined) return undefined;
  const retention = new EventIndexRetention(client, config.indexPrefix, period);
  log.info({ retention: formatRetention(period) }, 'indexer: event retention on');
  return runPeriodically('event index retention', EVENT_RETENTION_INTERVAL_MS, async () => {
    const deleted = await retention.prune();
    if (deleted.length > 0) log.info({ deleted, retention: formatRetention(period) }, 'indexer: deleted monthly event indices past the retention');
  }, log);
}
