import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook subscriptions and their delivery log. Unqualified names: the DataSource pins the
 * session's search_path to the configured schema (see data-source.factory.ts).
 */
export class CreateWebhookTables1763900000000 implements MigrationInterface {
  name = 'CreateWebhookTables1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_subscriptions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        url text NOT NULL CHECK (url ~* '^https?://'),
        secret text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        format text NOT NULL CHECK (format IN ('distribution', 'deploy', 'cloudevents', 'template')),
        filter_actions text[] NOT NULL DEFAULT '{push}',
        filter_repository text,
        filter_tag text,
        filter_actor text,
        include_blobs boolean NOT NULL DEFAULT false,
        headers jsonb NOT NULL DEFAULT '{}'::jsonb,
        body_template text,
        content_type text,
        consecutive_failures integer NOT NULL DEFAULT 0,
        failing boolean NOT NULL DEFAULT false,
        failing_since timestamptz,
        last_error text,
        last_success_at timestamptz,
        last_failure_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (format <> 'template' OR body_template IS NOT NULL)
      )`);
    // the deployer reads the enabled ones on every cache refresh
    await q.query(`CREATE INDEX webhook_subscriptions_enabled ON webhook_subscriptions (created_at, id) WHERE enabled`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY,
        subscription_id uuid NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
        event_id text NOT NULL,
        action text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('event', 'ping', 'redelivery')),
        attempt integer NOT NULL CHECK (attempt >= 1),
        success boolean NOT NULL,
        status_code integer,
        latency_ms integer,
        response_excerpt text,
        error text,
        request_url text NOT NULL,
        request_headers jsonb NOT NULL,
        event jsonb NOT NULL,
        redelivery_of uuid REFERENCES webhook_deliveries (id) ON DELETE SET NULL,
        next_attempt_at timestamptz,
        delivered_at timestamptz NOT NULL
      )`);
    // a subscription's log, newest first, paged by (delivered_at, id)
    await q.query(`CREATE INDEX webhook_deliveries_by_subscription ON webhook_deliveries (subscription_id, delivered_at DESC, id DESC)`);
    // "was this event delivered already?" before every automatic attempt
    await q.query(`CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (event_id, subscription_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_deliveries`);
    await q.query(`DROP TABLE webhook_subscriptions`);
  }
}
