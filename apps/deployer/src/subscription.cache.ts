import { SubscriptionMatcher, type WebhookSubscriptionEntity, type WebhookSubscriptionsRepository } from '@wharf/db';
import type { Logger } from '@wharf/observability';

export interface RoutableSubscription {
  id: string;
  name: string;
  matcher: SubscriptionMatcher;
}

/**
 * The enabled subscriptions with compiled filters, reread at most every `ttlMs` (one query per
 * burst of events instead of one per event). A subscription created or changed takes effect for
 * events routed after the next refresh; the delivery itself always reads the current row.
 */
export class SubscriptionCache {
  private loaded: { at: number; items: RoutableSubscription[] } | undefined;
  private loading: Promise<RoutableSubscription[]> | undefined;

  constructor(
    private readonly repository: Pick<WebhookSubscriptionsRepository, 'listEnabled'>,
    private readonly ttlMs: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async enabled(): Promise<RoutableSubscription[]> {
    if (this.loaded !== undefined && this.now() - this.loaded.at < this.ttlMs) return this.loaded.items;
    // one query for all the events that ask while it runs
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<RoutableSubscription[]> {
    const started = this.now();
    const rows = await this.repository.listEnabled();
    const items = rows.flatMap((row) => this.compile(row));
    this.loaded = { at: started, items };
    return items;
  }

  private compile(row: WebhookSubscriptionEntity): RoutableSubscription[] {
    try {
      const matcher = SubscriptionMatcher.compile({
        actions: row.filterActions,
        repository: row.filterRepository,
        tag: row.filterTag,
        actor: row.filterActor,
        includeBlobs: row.includeBlobs,
      });
      return [{ id: row.id, name: row.name, matcher }];
    } catch (error) {
      // written past the API's validation (by hand in SQL): say so instead of failing every event
      this.logger.error({ err: error, subscription: row.id }, 'webhook subscription has an invalid filter; skipped');
      return [];
    }
  }
}
