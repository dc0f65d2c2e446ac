import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable } from '@nestjs/common';
import type { WharfConfig } from '@wharf/config';
import { MISSING_KEY_MESSAGE, pingEvent, webhookUrlProblem, type SubscriptionSettings, type WebhookSubscriptionEntity } from '@wharf/db';
import type { Logger } from '@wharf/observability';
import { LOGGER, WHARF_CONFIG } from '../api.tokens.js';
import { WebhooksBackend } from './webhooks.backend.js';
import { invalidCursor } from '../http/api-error.js';
import { DeliveryNotFoundError, InvalidWebhookError, WebhookNotFoundError, WebhooksUnavailableError } from './webhooks.errors.js';
import type { CreateWebhookBody, UpdateWebhookBody } from './webhook.schemas.js';
import { deliveryView, subscriptionView, type DeliveryView, type SubscriptionView } from './webhook.views.js';

/** What POST /ping and /redeliver answer: the job is queued; its attempts appear in the delivery log. */
export interface QueuedDelivery {
  subscriptionId: string;
  eventId: string;
  jobId: string;
  redeliveryOf?: string;
}

/** The source of pings: this API process. */
const PING_SOURCE = { addr: hostname(), instanceID: randomUUID() };

/** Webhook subscriptions, their delivery log, pings and redeliveries. */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly backend: WebhooksBackend,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(WHARF_CONFIG) private readonly config: WharfConfig,
  ) {}

  async list(): Promise<SubscriptionView[]> {
    const rows = await this.backend.db((r) => r.subscriptions.list());
    return rows.map(subscriptionView);
  }

  async get(id: string): Promise<SubscriptionView> {
    return subscriptionView(await this.find(id));
  }

  /** The secret comes back this once, generated when the caller gave none. */
  async create(body: CreateWebhookBody): Promise<SubscriptionView & { secret: string }> {
    this.requireSecretKey();
    await this.checkDestination(body.url);
    const secret = body.secret ?? randomBytes(32).toString('base64url');
    const row = await this.backend.db((r) =>
      r.subscriptions.create({
        name: body.name,
        url: body.url,
        secret,
        enabled: body.enabled,
        format: body.format,
        filterActions: body.filters.actions ?? ['push'],
        filterRepository: body.filters.repository ?? null,
        filterTag: body.filters.tag ?? null,
        filterActor: body.filters.actor ?? null,
        includeBlobs: body.filters.includeBlobs ?? false,
        headers: body.headers,
        bodyTemplate: body.template?.body ?? null,
        contentType: body.template ? (body.template.contentType ?? 'application/json') : null,
      }),
    );
    this.logger.info({ subscription: row.id, name: row.name, format: row.format }, 'webhook subscription created');
    return { ...subscriptionView(row), secret };
  }

  /**
   * Changes what the body names. The format and template must still agree afterwards; moving
   * away from `template` drops the template unless the body says otherwise.
   */
  async update(id: string, body: UpdateWebhookBody): Promise<SubscriptionView> {
    if (body.secret !== undefined) this.requireSecretKey();
    if (body.url !== undefined) await this.checkDestination(body.url);
    const current = await this.find(id);
    const format = body.format ?? current.format;
    const template = body.template !== undefined ? body.template : format !== 'template' && body.format !== undefined ? null : current.bodyTemplate;
    if (format === 'template' && template === null) {
      throw new InvalidWebhookError('template: required when format is "template": {"body": "…", "contentType": "…"}');
    }
    if (format !== 'template' && template !== null) {
      throw new InvalidWebhookError(`template: only for format "template" (format is "${format}"); send "template": null to drop it`);
    }
    const changes: Partial<SubscriptionSettings> = {};
    if (format !== 'template' && current.bodyTemplate !== null) {
      changes.bodyTemplate = null;
      changes.contentType = null;
    }
    if (body.name !== undefined) changes.name = body.name;
    if (body.url !== undefined) changes.url = body.url;
    if (body.secret !== undefined) changes.secret = body.secret;
    if (body.enabled !== undefined) changes.enabled = body.enabled;
    if (body.format !== undefined) changes.format = body.format;
    if (body.headers !== undefined) changes.headers = body.headers;
    if (body.filters !== undefined) {
      const f = body.filters;
      if (f.actions !== undefined) changes.filterActions = f.actions;
      if (f.repository !== undefined) changes.filterRepository = f.repository;
      if (f.tag !== undefined) changes.filterTag = f.tag;
      if (f.actor !== undefined) changes.filterActor = f.actor;
      if (f.includeBlobs !== undefined) changes.includeBlobs = f.includeBlobs;
    }
    if (body.template !== undefined) {
      changes.bodyTemplate = body.template?.body ?? null;
      changes.contentType = body.template ? (body.template.contentType ?? 'application/json') : null;
    }
    const row = await this.backend.db((r) => r.subscriptions.update(id, changes));
    if (row === null) throw new WebhookNotFoundError(id);
    this.logger.info({ subscription: id, changed: Object.keys(changes).filter((k) => k !== 'secret').concat(changes.secret ? ['secret (rotated)'] : []) }, 'webhook subscription updated');
    return subscriptionView(row);
  }

  /** Every subscription has a secret, stored encrypted: without a key there is nothing to store it with. */
  private requireSecretKey(): void {
    if (!this.backend.secrets.available) throw new WebhooksUnavailableError(MISSING_KEY_MESSAGE);
  }

  /** Refuses a URL whose host is or resolves to a loopback, link-local or private address (see webhook-destination.ts). */
  private async checkDestination(url: string): Promise<void> {
    if (this.config.webhooks.allowPrivate) return;
    const problem = await webhookUrlProblem(url);
    if (problem !== undefined) throw new InvalidWebhookError(`url: ${problem}`);
  }

  async remove(id: string): Promise<void> {
    if (!(await this.backend.db((r) => r.subscriptions.remove(id)))) throw new WebhookNotFoundError(id);
    this.logger.info({ subscription: id }, 'webhook subscription deleted');
  }

  async ping(id: string): Promise<QueuedDelivery> {
    await this.find(id);
    const event = pingEvent(undefined, PING_SOURCE);
    const jobId = `ping.${event.id}`;
    await this.backend.enqueue({ kind: 'ping', subscriptionId: id, event }, jobId);
    return { subscriptionId: id, eventId: event.id, jobId };
  }

  async deliveries(id: string, size: number, cursor: string | undefined): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    await this.find(id);
    const page = await this.backend.db((r) => r.deliveries.page(id, size, after));
    const last = page.items.at(-1);
    return {
      items: page.items.map((d) => deliveryView(d, false)),
      nextCursor: page.more && last !== undefined ? encodeCursor(last.deliveredAt, last.id) : null,
    };
  }

  async delivery(id: string): Promise<DeliveryView> {
    const row = await this.backend.db((r) => r.deliveries.findById(id));
    if (row === null) throw new DeliveryNotFoundError(id);
    return deliveryView(row, true);
  }

  /** A new delivery of the same event to the same subscription, with its own attempts. */
  async redeliver(id: string): Promise<QueuedDelivery> {
    const row = await this.backend.db((r) => r.deliveries.findById(id));
    if (row === null) throw new DeliveryNotFoundError(id);
    const jobId = `redeliver.${randomUUID()}`;
    await this.backend.enqueue({ kind: 'redelivery', subscriptionId: row.subscriptionId, event: row.event, redeliveryOf: row.id }, jobId);
    this.logger.info({ subscription: row.subscriptionId, delivery: id, eventId: row.eventId }, 'webhook redelivery queued');
    return { subscriptionId: row.subscriptionId, eventId: row.eventId, jobId, redeliveryOf: row.id };
  }

  private async find(id: string): Promise<WebhookSubscriptionEntity> {
    const row = await this.backend.db((r) => r.subscriptions.findById(id));
    if (row === null) throw new WebhookNotFoundError(id);
    return row;
  }
}

/** Opaque to clients: base64url of [deliveredAt, id] of the last row of the page. */
function encodeCursor(deliveredAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([deliveredAt.toISOString(), id])).toString('base64url');
}

function decodeCursor(cursor: string): { deliveredAt: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const deliveredAt = new Date(String(at));
    if (typeof at !== 'string' || Number.isNaN(deliveredAt.getTime()) || typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) throw new Error();
    return { deliveredAt, id };
  } catch {
    throw invalidCursor();
  }
}
