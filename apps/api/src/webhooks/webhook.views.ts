import type { WebhookDeliveryEntity, WebhookSubscriptionEntity } from '@wharf/db';
import { MASKED } from './webhook.schemas.js';

/*
 * What the API shows of subscriptions and deliveries. The secret never leaves after creation (a
 * hint of its last characters helps tell rotated secrets apart); credential headers are masked
 * unless they only reference {{secret}}.
 */

const SENSITIVE_HEADER = /^(authorization|proxy-authorization|cookie)$|token|secret|password|api-?key|private/i;

function secretHint(secret: string): string {
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
