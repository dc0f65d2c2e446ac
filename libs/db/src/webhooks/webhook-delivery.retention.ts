import type { DataSource } from 'typeorm';
import { WebhookDeliveryEntity } from './webhook-delivery.entity.js';

/** Rows per DELETE: small enough that no statement holds its locks or grows its WAL for long. */
export const DELIVERY_RETENTION_BATCH = 1_000;

/**
 * `webhooks.deliveryretention`: deletes delivery attempts logged before a cutoff, oldest first, a
 * bounded batch per statement (each its own transaction), so a first run over years of log never
 * becomes one huge transaction, and the deployer's own inserts are never blocked for long.
 * Rows locked by someone else are skipped and taken on the next run, so several deployer replicas
 * can run it at once.
 */
export class WebhookDeliveryRetention {
  constructor(
    private readonly dataSource: DataSource,
    private readonly batchSize: number = DELIVERY_RETENTION_BATCH,
  ) {}

  /** Deletes every attempt delivered before `cutoff`; returns how many rows went and in how many batches. */
  async deleteBefore(cutoff: Date): Promise<{ deleted: number; batches: number }> {
    let deleted = 0;
    let batches = 0;
    for (;;) {
      const result = await this.dataSource
        .createQueryBuilder()
        .delete()
        .from(WebhookDeliveryEntity)
        .where(
          `id IN (SELECT id FROM webhook_deliveries WHERE delivered_at < :cutoff ORDER BY delivered_at LIMIT :limit FOR UPDATE SKIP LOCKED)`,
          { cutoff, limit: this.batchSize },
        )
        .execute();
      const count = result.affected ?? 0;
      if (count === 0) break;
      deleted += count;
      batches += 1;
      if (count < this.batchSize) break;
    }
    return { deleted, batches };
  }
}
