/** No subscription has the id in the path. */
export class WebhookNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`no webhook subscription with id "${id}"`);
    this.name = 'WebhookNotFoundError';
  }
}

/** No delivery attempt has the id in the path. */
export class DeliveryNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`no webhook delivery with id "${id}"`);
    this.name = 'DeliveryNotFoundError';
  }
}

/** A change that is valid on its own but not with what is stored (e.g. format "template" without a template). */
export class InvalidWebhookError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidWebhookError';
  }
}

/** A `cursor` the API did not hand out. */
export class InvalidCursorError extends Error {
  constructor() {
    super('cursor: not a cursor this API returned (pass nextCursor from the previous page as is)');
    this.name = 'InvalidCursorError';
  }
}

/** No `database` (or `redis`) section, or the server does not answer. */
export class WebhooksUnavailableError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'WebhooksUnavailableError';
  }
}
