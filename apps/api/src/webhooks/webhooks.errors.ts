import { ApiError } from '../http/api-error.js';

/** No subscription has the id in the path. */
export class WebhookNotFoundError extends ApiError {
  constructor(id: string) {
    super('UNKNOWN_WEBHOOK', `no webhook subscription with id "${id}"`);
  }
}

/** No delivery attempt has the id in the path. */
export class DeliveryNotFoundError extends ApiError {
  constructor(id: string) {
    super('UNKNOWN_DELIVERY', `no webhook delivery with id "${id}"`);
  }
}

/** A change that is valid on its own but not with what is stored (e.g. format "template" without a template). */
export class InvalidWebhookError extends ApiError {
  constructor(message: string) {
    super('INVALID_WEBHOOK', message);
  }
}

/** No `database` (or `redis`) section, or the server does not answer. */
export class WebhooksUnavailableError extends ApiError {
  constructor(reason: string) {
    super('WEBHOOKS_UNAVAILABLE', reason);
  }
}
