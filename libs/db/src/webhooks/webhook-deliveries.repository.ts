import type { DataSource, Repository } from 'typeorm';
import { WebhookDeliveryEntity } from './webhook-delivery.entity.js';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity.js';
import { isUuid } from './webhook-subscriptions.repository.js';

export type DeliveryAttempt = WebhookDeliveryEntity;

/** A subscription's health after an attempt was recorded. */
export interface SubscriptionHealth {
  consecutiveFailures: number;
  failing: boolean;
  /** This attempt crossed the threshold: the moment to shout. */
  becameFailing: boolean;
  /** This attempt succeeded after the subscription had been flagged failing. */
  recovered: boolean;
}

export interface DeliveryPageCursor {
  deliveredAt: Date;
  id: string;
}

/** The delivery log: one row per attempt, and the subscription health it moves. */
export class WebhookDeliveriesRepository {
  private readonly rows: Repository<WebhookDeliveryEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.rows = dataSource.getRepository(WebhookDeliveryEntity);
  }

  /**
   * Logs an attempt and updates the subscription's health in one transaction: a success resets
   * the failure streak and clears `failing`; a failure extends it and sets `failing` once the
   * streak reaches `failureThreshold`. Returns null (and logs nothing) when the subscription has
   * been deleted meanwhile.
   */
  async record(attempt: DeliveryAttempt, failureThreshold: number): Promise<SubscriptionHealth | null> {
    return this.dataSource.transaction(async (manager) => {
      const subscription = await manager.findOne(WebhookSubscriptionEntity, {
        where: { id: attempt.subscriptionId },
        lock: { mode: 'pessimistic_write' },
      });
      if (subscription === null) return null;
      await manager.insert(WebhookDeliveryEntity, attempt);

      const wasFailing = subscription.failing;
      const streak = attempt.success ? 0 : subscription.consecutiveFailures + 1;
      const failing = attempt.success ? false : wasFailing || streak >= failureThreshold;
      await manager.update(
        WebhookSubscriptionEntity,
        { id: subscription.id },
        attempt.success
          ? { consecutiveFailures: 0, failing: false, failingSince: null, lastSuccessAt: attempt.deliveredAt }
          : {
              consecutiveFailures: streak,
              failing,
              failingSince: wasFailing ? subscription.failingSince : failing ? attempt.deliveredAt : null,
              lastError: attempt.error ?? `HTTP ${attempt.statusCode ?? '?'}`,
              lastFailureAt: attempt.deliveredAt,
            },
      );
      return { consecutiveFailures: streak, failing, becameFailing: failing && !wasFailing, recovered: wasFailing && attempt.success };
    });
  }

  /** Whether an event already reached a subscription (automatic deliveries only). */
  async delivered(eventId: string, subscriptionId: string): Promise<boolean> {
    return this.rows.exists({ where: { eventId, subscriptionId, kind: 'event', success: true } });
  }

  async findById(id: string): Promise<WebhookDeliveryEntity | null> {
    if (!isUuid(id)) return null;
    return this.rows.findOneBy({ id });
  }

  /** Newest first; `size + 1` rows are read to know whether another page follows. */
  async page(subscriptionId: string, size: number, after?: DeliveryPageCursor): Promise<{ items: WebhookDeliveryEntity[]; more: boolean }> {
    const query = this.rows
      .createQueryBuilder('d')
      .where('d.subscription_id = :subscriptionId', { subscriptionId })
      .orderBy('d.delivered_at', 'DESC')
      .addOrderBy('d.id', 'DESC')
      .limit(size + 1);
    if (after !== undefined) query.andWhere('(d.delivered_at, d.id) < (:at, :id)', { at: after.deliveredAt, id: after.id });
    const rows = await query.getMany();
    return { items: rows.slice(0, size), more: rows.length > size };
  }

  /** Attempts of one event to one subscription, oldest first. */
  forEvent(eventId: string, subscriptionId: string): Promise<WebhookDeliveryEntity[]> {
    return this.rows.find({ where: { eventId, subscriptionId }, order: { deliveredAt: 'ASC', attempt: 'ASC' } });
  }
}
