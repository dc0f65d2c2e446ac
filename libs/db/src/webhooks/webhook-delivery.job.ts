import type { WebhookEvent } from './webhook-event.js';

/*
 * The delivery queue shared by apps/deployer (producer of event deliveries, the consumer) and
 * apps/api (producer of pings and redeliveries). Job data is the event (about 1 KiB) and ids, never
 * a rendered body: the body is rendered from the subscription as it is when the attempt runs.
 */

export const WEBHOOK_DELIVERIES_QUEUE = 'webhooks.deliveries';
export const WEBHOOK_DELIVERY_JOB = 'webhook-delivery';
/** The Worker's custom backoff strategy (see apps/deployer main.ts and deliveryBackoff). */
export const WEBHOOK_BACKOFF_TYPE = 'wharf-webhook';

/** An automatic delivery of a registry event, a test ping, or a manual redelivery. */
export type DeliveryKind = 'event' | 'ping' | 'redelivery';

export interface WebhookDeliveryJob {
  kind: DeliveryKind;
  subscriptionId: string;
  event: WebhookEvent;
  /** The delivery attempt a redelivery repeats. */
  redeliveryOf?: string;
}

/**
 * One job per (event, subscription), so an event routed twice (re-published after a crash, or a
 * deployer that died between enqueue and ack) is delivered once. BullMQ refuses `:` in custom ids,
 * hence the dot.
 */
export function deliveryJobId(eventId: string, subscriptionId: string): string {
  return `${eventId}.${subscriptionId}`;
}

export interface DeliveryLimits {
  maxAttempts: number;
}

/** BullMQ job options every producer uses, so a ping retries like a push. */
export function deliveryJobOptions(limits: DeliveryLimits, jobId: string) {
  return {
    jobId,
    attempts: limits.maxAttempts,
    backoff: { type: WEBHOOK_BACKOFF_TYPE },
    // the delivery log in PostgreSQL is the record; Redis keeps finished jobs only long enough to
    // dedupe re-published events (a day) and to inspect dead letters (a week), and never unbounded
    removeOnComplete: { age: 86_400, count: 10_000 },
    removeOnFail: { age: 7 * 86_400, count: 10_000 },
  };
}
