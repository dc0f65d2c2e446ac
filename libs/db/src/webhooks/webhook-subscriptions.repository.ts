import type { DataSource, Repository } from 'typeorm';
import type { PayloadFormat } from './payload-format.js';
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

/** Subscriptions in PostgreSQL. An id that is not a UUID is simply not found. */
export class WebhookSubscriptionsRepository {
  private readonly rows: Repository<WebhookSubscriptionEntity>;

  constructor(dataSource: DataSource) {
    this.rows = dataSource.getRepository(WebhookSubscriptionEntity);
  }

  listEnabled(): Promise<WebhookSubscriptionEntity[]> {
    return this.rows.find({ where: { enabled: true }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  list(): Promise<WebhookSubscriptionEntity[]> {
    return this.rows.find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async findById(id: string): Promise<WebhookSubscriptionEntity | null> {
    if (!UUID.test(id)) return null;
    return this.rows.findOneBy({ id });
  }

  async create(settings: SubscriptionSettings): Promise<WebhookSubscriptionEntity> {
    const now = new Date();
    const row = this.rows.create({
      ...settings,
      consecutiveFailures: 0,
      failing: false,
      failingSince: null,
      lastError: null,
      lastSuccessAt: null,
      lastFailureAt: null,
      createdAt: now,
      updatedAt: now,
    });
    return this.rows.save(row);
  }

  async update(id: string, changes: Partial<SubscriptionSettings>): Promise<WebhookSubscriptionEntity | null> {
    if (!UUID.test(id)) return null;
    const result = await this.rows.update({ id }, { ...changes, updatedAt: new Date() });
    if (result.affected === 0) return null;
    return this.rows.findOneBy({ id });
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
