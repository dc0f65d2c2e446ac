import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { DeliveryKind } from './webhook-delivery.job.js';
import type { WebhookEvent } from './webhook-event.js';

/**
 * One delivery attempt: every try of every delivery gets a row, its id being the
 * `X-Wharf-Delivery` header the receiver saw. The event is kept so an attempt can be redelivered
 * (a new attempt of the same event, `redelivery_of` pointing here). Request headers are stored
 * without the signature and with credentials masked; the response excerpt is the first 1 KiB.
 */
@Entity({ name: 'webhook_deliveries' })
export class WebhookDeliveryEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'subscription_id', type: 'uuid' })
  subscriptionId!: string;

  @Column({ name: 'event_id', type: 'text' })
  eventId!: string;

  /** The event's action, or `ping`. */
  @Column({ type: 'text' })
  action!: string;

  @Column({ type: 'text' })
  kind!: DeliveryKind;

  /** 1-based attempt number within its delivery job. */
  @Column({ type: 'integer' })
  attempt!: number;

  @Column({ type: 'boolean' })
  success!: boolean;

  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode!: number | null;

  @Column({ name: 'latency_ms', type: 'integer', nullable: true })
  latencyMs!: number | null;

  @Column({ name: 'response_excerpt', type: 'text', nullable: true })
  responseExcerpt!: string | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'request_url', type: 'text' })
  requestUrl!: string;

  @Column({ name: 'request_headers', type: 'jsonb' })
  requestHeaders!: Record<string, string>;

  @Column({ type: 'jsonb' })
  event!: WebhookEvent;

  @Column({ name: 'redelivery_of', type: 'uuid', nullable: true })
  redeliveryOf!: string | null;

  /** When the next automatic attempt is due; null when this attempt was the last one. */
  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  @Column({ name: 'delivered_at', type: 'timestamptz' })
  deliveredAt!: Date;
}
