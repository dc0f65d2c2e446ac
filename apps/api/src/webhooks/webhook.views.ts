import type { WebhookDeliveryEntity, WebhookSubscriptionEntity } from '@wharf/db';
import { MASKED } from './webhook.schemas.js';

/*
 * What the API shows of subscriptions and deliveries. The secret never leaves after creation (a
 * hint of its last characters helps tell rotated secrets apart); credential headers are masked
 * unless they only reference {{secret}}.
 */

const SENSITIVE_HEADER = /^(authorization|proxy-authorization|cookie)$|token|secret|password|api-?key|private/i;

export function secretHint(secret: string): string {
  return secret.length >= 16 ? `…${secret.slice(-4)}` : '…';
}

export function subscriptionView(s: WebhookSubscriptionEntity) {
  return {
    id: s.id,
    name: s.name,
    url: s.url,
    enabled: s.enabled,
    format: s.format,
    filters: { actions: s.filterActions, repository: s.filterRepository, tag: s.filterTag, actor: s.filterActor, includeBlobs: s.includeBlobs },
    headers: Object.fromEntries(Object.entries(s.headers).map(([name, value]) => [name, SENSITIVE_HEADER.test(name) && !/\{\{\s*secret\s*\}\}/.test(value) ? MASKED : value])),
    template: s.bodyTemplate === null ? null : { body: s.bodyTemplate, contentType: s.contentType ?? 'application/json' },
    // a secret the configured key cannot decrypt shows as such (deliveries fail until it is replaced)
    secretHint: s.secretError === undefined ? secretHint(s.secret) : 'unreadable',
    health: {
      failing: s.failing,
      consecutiveFailures: s.consecutiveFailures,
      failingSince: s.failingSince,
      lastError: s.lastError,
      lastSuccessAt: s.lastSuccessAt,
      lastFailureAt: s.lastFailureAt,
    },
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

export type SubscriptionView = ReturnType<typeof subscriptionView>;

export function deliveryView(d: WebhookDeliveryEntity, withEvent: boolean) {
  return {
    id: d.id,
    subscriptionId: d.subscriptionId,
    eventId: d.eventId,
    action: d.action,
    kind: d.kind,
    attempt: d.attempt,
    success: d.success,
    statusCode: d.statusCode,
    latencyMs: d.latencyMs,
    responseExcerpt: d.responseExcerpt,
    error: d.error,
    request: { url: d.requestUrl, headers: d.requestHeaders },
    redeliveryOf: d.redeliveryOf,
    nextAttemptAt: d.nextAttemptAt,
    deliveredAt: d.deliveredAt,
    ...(withEvent ? { event: d.event } : {}),
  };
}

export type DeliveryView = ReturnType<typeof deliveryView>;

// OpenAPI shapes of the views (kept beside the functions that build them)

const nullableString = { type: 'string', nullable: true };
const nullableDate = { type: 'string', format: 'date-time', nullable: true };

export const SUBSCRIPTION_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    url: { type: 'string' },
    enabled: { type: 'boolean' },
    format: { type: 'string', enum: ['distribution', 'deploy', 'cloudevents', 'template'] },
    filters: {
      type: 'object',
      properties: {
        actions: { type: 'array', items: { type: 'string', enum: ['push', 'pull', 'mount', 'delete'] } },
        repository: nullableString,
        tag: nullableString,
        actor: nullableString,
        includeBlobs: { type: 'boolean' },
      },
    },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    template: { type: 'object', nullable: true, properties: { body: { type: 'string' }, contentType: { type: 'string' } } },
    secretHint: { type: 'string', example: '…9f3a' },
    health: {
      type: 'object',
      properties: {
        failing: { type: 'boolean' },
        consecutiveFailures: { type: 'integer' },
        failingSince: nullableDate,
        lastError: nullableString,
        lastSuccessAt: nullableDate,
        lastFailureAt: nullableDate,
      },
    },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};

export const DELIVERY_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid', description: 'The X-Wharf-Delivery header of this attempt' },
    subscriptionId: { type: 'string', format: 'uuid' },
    eventId: { type: 'string' },
    action: { type: 'string', description: 'push, pull, mount, delete or ping' },
    kind: { type: 'string', enum: ['event', 'ping', 'redelivery'] },
    attempt: { type: 'integer' },
    success: { type: 'boolean' },
    statusCode: { type: 'integer', nullable: true },
    latencyMs: { type: 'integer', nullable: true },
    responseExcerpt: { ...nullableString, description: 'First KiB of the response body' },
    error: nullableString,
    request: { type: 'object', properties: { url: { type: 'string' }, headers: { type: 'object', additionalProperties: { type: 'string' } } } },
    redeliveryOf: { type: 'string', format: 'uuid', nullable: true },
    nextAttemptAt: nullableDate,
    deliveredAt: { type: 'string', format: 'date-time' },
    event: { type: 'object', description: 'GET /api/deliveries/:id only: the registry event delivered' },
  },
};
