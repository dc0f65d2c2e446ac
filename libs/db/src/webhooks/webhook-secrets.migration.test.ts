import 'reflect-metadata';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DatabaseConfig } from '@wharf/config';
import { MIGRATIONS_TABLE, openDataSource } from '../index.js';
import { WebhookSecretCipher } from './webhook-secret.cipher.js';
import { WebhookSubscriptionsRepository } from './webhook-subscriptions.repository.js';

// Real PostgreSQL, started by the project's script (reused when it already runs).
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const DATABASE: DatabaseConfig = { url: 'postgres://wharf:wharf@127.0.0.1:5439/wharf_test' };
const schema = `wharf_secrets_test_${randomBytes(4).toString('hex')}`;
const KEY = WebhookSecretCipher.fromSecret('an-api-secret-of-at-least-32-characters');

before(() => {
  execFileSync('bash', [`${repoRoot}scripts/postgres.sh`, 'start'], { stdio: 'pipe', timeout: 120_000 });
});

after(async () => {
  const admin = await openDataSource(DATABASE, { poolSize: 1 });
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.destroy();
});

describe('the migration that encrypts webhook secrets stored in plain text', () => {
  test('an older database: refused without a key (naming it), encrypted with one, and readable again', async () => {
    // a database as an earlier Wharf left it: a secret in plain text, this migration not yet run
    const old = await openDataSource(DATABASE, { schema, poolSize: 1 });
    await old.query(`INSERT INTO webhook_subscriptions (name, url, secret, format) VALUES ('legacy', 'https://ci.example/hook', 'legacy-plain-secret-123', 'deploy')`);
    await old.query(`DELETE FROM ${MIGRATIONS_TABLE} WHERE name = 'EncryptWebhookSecrets1764000000000'`);
    await old.destroy();

    await assert.rejects(openDataSource(DATABASE, { schema, poolSize: 1, connectWaitMs: 0 }), /1 webhook secrets are stored in plain text and cannot be encrypted: .*set api\.secret/);

    const migrated = await openDataSource(DATABASE, { schema, poolSize: 1, webhookSecrets: KEY });
    const [row] = (await migrated.query(`SELECT secret FROM webhook_subscriptions WHERE name = 'legacy'`)) as { secret: string }[];
    assert.match(row!.secret, /^wharf-aes256gcm:v1:/);
    assert.ok(!row!.secret.includes('legacy-plain-secret-123'));
    const [read] = await new WebhookSubscriptionsRepository(migrated, KEY).list();
    assert.equal(read!.secret, 'legacy-plain-secret-123');
    assert.equal(read!.secretError, undefined);

    // another key (api.secret changed): the row is there, its secret marked unreadable with the reason
    const [stranger] = await new WebhookSubscriptionsRepository(migrated, WebhookSecretCipher.fromSecret('another-secret')).list();
    assert.equal(stranger!.secret, '');
    assert.match(stranger!.secretError ?? '', /cannot be decrypted/);
    await migrated.destroy();
  });
});
