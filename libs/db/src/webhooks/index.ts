// Webhook subscriptions and deliveries (owned by apps/deployer): entities, migrations, the two
// repositories, and the pure pieces the deployer and the API share (filters, templates, the job).
import { CreateWebhookTables1763900000000 } from './migrations/1763900000000-create-webhook-tables.migration.js';
import { encryptWebhookSecretsMigration } from './migrations/1764000000000-encrypt-webhook-secrets.migration.js';
import { IndexWebhookDeliveriesByTime1766000000000 } from './migrations/1766000000000-index-webhook-deliveries-by-time.migration.js';
import { WebhookDeliveryEntity } from './webhook-delivery.entity.js';
import type { WebhookSecretCipher } from './webhook-secret.cipher.js';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity.js';

export const webhookEntities: Function[] = [WebhookSubscriptionEntity, WebhookDeliveryEntity];

/** The webhook migrations; encrypting the secrets stored in plain text needs the key. */
export function webhookMigrations(secrets: WebhookSecretCipher): Function[] {
  return [CreateWebhookTables1763900000000, encryptWebhookSecretsMigration(secrets), IndexWebhookDeliveriesByTime1766000000000];
}

export * from './payload-format.js';
export * from './subscription-patterns.js';
export * from './subscription.matcher.js';
export * from './webhook-deliveries.repository.js';
export * from './webhook-delivery.entity.js';
export * from './webhook-delivery.job.js';
export * from './webhook-delivery.retention.js';
export * from './webhook-event.js';
export * from './webhook-subscription.entity.js';
export * from './webhook-secret.cipher.js';
export * from './webhook-subscriptions.repository.js';
export * from './webhook-destination.js';
export * from './webhook.template.js';
