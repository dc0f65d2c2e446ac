import type { RegistryEvent } from '@wharf/events';
import { deliveryJobId, deliveryJobOptions, WEBHOOK_DELIVERY_JOB, type DeliveryLimits, type WebhookDeliveryJob } from '@wharf/db';
import type { Logger } from '@wharf/observability';
import type { SubscriptionCache } from './subscription.cache.js';

/** The part of a BullMQ Queue the router uses. */
export interface DeliveryQueue {
  addBulk(jobs: { name: string; data: WebhookDeliveryJob; opts: ReturnType<typeof deliveryJobOptions> }[]): Promise<unknown>;
}

/**
 * Fans one registry event out to the subscriptions it matches: one delivery job each, keyed by
 * (event, subscription) so routing the same event again adds nothing. Delivery happens on the
 * delivery queue, so a slow receiver never holds back routing or another receiver.
 */
export class EventRouterProcessor {
  constructor(
    private readonly subscriptions: SubscriptionCache,
    private readonly deliveries: DeliveryQueue,
    private readonly limits: DeliveryLimits,
    private readonly logger: Logger,
  ) {}

  /** Returns the ids of the subscriptions the event was routed to. */
  async process(event: RegistryEvent): Promise<string[]> {
    const matched = (await this.subscriptions.enabled()).filter((s) => s.matcher.matches(event));
    if (matched.length === 0) return [];
    await this.deliveries.addBulk(
      matched.map((s) => ({
        name: WEBHOOK_DELIVERY_JOB,
        data: { kind: 'event', subscriptionId: s.id, event },
        opts: deliveryJobOptions(this.limits, deliveryJobId(event.id, s.id)),
      })),
    );
    this.logger.debug({ eventId: event.id, action: event.action, repository: event.target.repository, subscriptions: matched.map((s) => s.id) }, 'event routed to webhooks');
    return matched.map((s) => s.id);
  }
}
