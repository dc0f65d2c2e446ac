import type { DataSource, Repository } from 'typeorm';
import type { PayloadFormat } from './payload-format.js';
import type { WebhookSecretCipher } from './webhook-secret.cipher.js';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity.js';

/** What a caller sets on a subscription; health columns belong to the delivery log. */
export interface SubscriptionSettings {
  name: string;
  url: string;
  secret: string;
  enabled: boolean;
  format: PayloadFormat;
  filterActions: string[];
  filterRepository: string | null;
  filterTag: string | null;
  filterActor: string | null;
  includeBlobs: boolean;
  headers: Record<string, string>;
  bodyTemplate: string | null;
  contentType: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Subscriptions in PostgreSQL. An id that is not a UUID is simply not found. Secrets are sealed
 * before they are written and opened as rows are read, so callers only ever see plain text and
 * the table only ever holds ciphertext; `create` and `update` with a secret throw without a key.
 */
export class WebhookSubscriptionsRepository {
  private readonly rows: Repository<WebhookSubscriptionEntity>;

  constructor(
    dataSource: DataSource,
    private readonly secrets: WebhookSecretCipher,
  ) {
    this.rows = dataSource.getRepository(WebhookSubscriptionEntity);
  }

  async listEnabled(): Promise<WebhookSubscriptionEntity[]> {
    return (await this.rows.find({ where: { enabled: true }, order: { createdAt: 'ASC', id: 'ASC' } })).map((row) => this.opened(row));
  }

  async list(): Promise<WebhookSubscriptionEntity[]> {
    return (await this.rows.find({ order: { createdAt: 'ASC', id: 'ASC' } })).map((row) => this.opened(row));
  }

  async findById(id: string): Promise<WebhookSubscriptionEntity | null> {
    if (!UUID.test(id)) return null;
    const row = await this.rows.findOneBy({ id });
    return row === null ? null : this.opened(row);
  }

  async create(settings: SubscriptionSettings): Promise<WebhookSubscriptionEntity> {
    const now = new Date();
    const row = this.rows.create({
      ...settings,
      secret: this.secrets.seal(settings.secret),
      consecutiveFailures: 0,
      failing: false,
      failingSince: null,
      lastError: null,
      lastSuccessAt: null,
      lastFailureAt: null,
      createdAt: now,
      updatedAt: now,
    });
    const saved = await this.rows.save(row);
    saved.secret = settings.secret;
    return saved;
  }

  async update(id: string, changes: Partial<SubscriptionSettings>): Promise<WebhookSubscriptionEntity | null> {
    if (!UUID.test(id)) return null;
    const sealed = changes.secret === undefined ? changes : { ...changes, secret: this.secrets.seal(changes.secret) };
    const result = await this.rows.update({ id }, { ...sealed, updatedAt: new Date() });
    if (result.affected === 0) return null;
    return this.findById(id);
  }

  /** The row with its secret in plain text, or '' and `secretError` when it cannot be decrypted. */
  private opened(row: WebhookSubscriptionEntity): WebhookSubscriptionEntity {
    try {
      row.secret = this.secrets.open(row.secret);
    } catch (error) {
      row.secret = '';
      row.secretError = (error as Error).message;
    }
    return row;
  }

  /** Deleting a subscription deletes its delivery log with it (ON DELETE CASCADE). */
  async remove(id: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    const result = await this.rows.delete({ id });
    return (result.affected ?? 0) > 0;
  }
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
