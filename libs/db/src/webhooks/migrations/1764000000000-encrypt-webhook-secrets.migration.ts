import type { MigrationInterface, QueryRunner } from 'typeorm';
import { MISSING_KEY_MESSAGE, SEALED_PREFIX, type WebhookSecretCipher } from '../webhook-secret.cipher.js';

const SEALED = `${SEALED_PREFIX}%`;

/**
 * Encrypts the webhook secrets earlier versions stored in plain text (see webhook-secret.cipher.ts).
 * It needs the key: built per DataSource from the configuration (TypeORM instantiates migration
 * classes itself, so the key is closed over). With plain-text rows and no key it fails, naming the
 * key to set, rather than leave them readable; with no such rows it needs no key.
 */
export function encryptWebhookSecretsMigration(secrets: WebhookSecretCipher): Function {
  return class EncryptWebhookSecrets1764000000000 implements MigrationInterface {
    name = 'EncryptWebhookSecrets1764000000000';

    async up(q: QueryRunner): Promise<void> {
      const rows = (await q.query(`SELECT id, secret FROM webhook_subscriptions WHERE secret NOT LIKE $1`, [SEALED])) as { id: string; secret: string }[];
      if (rows.length === 0) return;
      if (!secrets.available) {
        throw new Error(`${rows.length} webhook secrets are stored in plain text and cannot be encrypted: ${MISSING_KEY_MESSAGE}`);
      }
      for (const row of rows) await q.query(`UPDATE webhook_subscriptions SET secret = $1 WHERE id = $2`, [secrets.seal(row.secret), row.id]);
    }

    async down(q: QueryRunner): Promise<void> {
      const rows = (await q.query(`SELECT id, secret FROM webhook_subscriptions WHERE secret LIKE $1`, [SEALED])) as { id: string; secret: string }[];
      for (const row of rows) await q.query(`UPDATE webhook_subscriptions SET secret = $1 WHERE id = $2`, [secrets.open(row.secret), row.id]);
    }
  };
}

