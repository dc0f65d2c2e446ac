import { formatRetention, retentionCutoff, type RetentionPeriod } from '@wharf/config';
import { WebhookDeliveryRetention } from '@wharf/db';
import { runPeriodically, type Logger, type PeriodicTask } from '@wharf/observability';

/** How often old delivery attempts are looked for. */
export const DELIVERY_RETENTION_INTERVAL_MS = 3_600_000;

/**
 * `webhooks.deliveryretention` in the deployer role: at start and then hourly, deletes the delivery
 * attempts logged longer ago than the retention, in bounded batches. Undefined when no retention is
 * configured (the log is kept forever). Once an event's attempts are gone, a replay of that event
 * delivers it again: keep the retention longer than any replay window you use.
 */
export function startDeliveryRetention(
  dataSource: ConstructorParameters<typeof WebhookDeliveryRetention>[0],
  period: RetentionPeriod | undefined,
  log: Logger,
): PeriodicTask | undefined {
  if (period === undefined) return undefined;
  const retention = new WebhookDeliveryRetention(dataSource);
  log.info({ retention: formatRetention(period) }, 'deployer: delivery log retention on');
  return runPeriodically('webhook delivery retention', DELIVERY_RETENTION_INTERVAL_MS, async () => {
    const cutoff = new Date(retentionCutoff(period, Date.now()));
    const { deleted, batches } = await retention.deleteBefore(cutoff);
    if (deleted > 0) log.info({ deleted, batches, before: cutoff.toISOString() }, 'deployer: deleted webhook delivery attempts past the retention');
  }, log);
}
