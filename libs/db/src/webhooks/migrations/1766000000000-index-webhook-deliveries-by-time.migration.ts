import type { MigrationInterface, QueryRunner } from 'typeorm';

/** `webhooks.deliveryretention` deletes the oldest attempts in batches: it needs them in time order. */
export class IndexWebhookDeliveriesByTime1766000000000 implements MigrationInterface {
  name = 'IndexWebhookDeliveriesByTime1766000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX webhook_deliveries_by_time ON webhook_deliveries (delivered_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX webhook_deliveries_by_time`);
  }
}
