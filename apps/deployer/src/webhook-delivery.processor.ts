import { randomUUID } from 'node:crypto';
import { retryDelayMs, type Backoff } from '@wharf/queue';
import { UnrecoverableError } from 'bullmq';
import type { DeliveryAttempt, SubscriptionHealth, WebhookDeliveriesRepository, WebhookDeliveryJob, WebhookSubscriptionsRepository } from '@wharf/db';
import type { Logger } from '@wharf/observability';
import { DeliveryFailedError } from './delivery-failed.error.js';
import type { PayloadRenderer } from './payload.renderer.js';
import { RenderError } from './render.error.js';
import { signWebhook } from './webhook-signature.js';
import type { OutboundRequest, TransportResult, WebhookTransport } from './webhook.transport.js';

export interface DeliveryOptions {
  timeoutMs: number;
  failureThreshold: number;
  backoffMs: number;
  maxBackoffMs: number;
}

/** What the processor needs of a BullMQ job. */
export interface DeliveryJobRun {
  data: WebhookDeliveryJob;
  /** Attempts that already failed (BullMQ's attemptsMade). */
  attemptsMade: number;
  /** The job's attempt limit. */
  attempts: number;
}

export type DeliveryOutcome =
  | { status: 'delivered'; deliveryId: string; statusCode: number }
  | { status: 'skipped'; reason: 'subscription deleted' | 'subscription disabled' | 'already delivered' };

/** Header names whose values are credentials: masked in the delivery log. */
const SENSITIVE_HEADER = /^(authorization|proxy-authorization|cookie|x-wharf-signature)$|token|secret|password|api-?key|private/i;

/**
 * One attempt of one delivery: render from the subscription as it is now, sign, POST, log the
 * attempt and move the subscription's health, then tell BullMQ whether to retry.
 * - 2xx: delivered.
 * - no answer, 408, 425, 429, 5xx: retried with backoff until the job's attempts run out.
 * - any other status (a 3xx not followed, 400, 401, 403, 404, 410, 422, …), a subscription whose
 *   template cannot render or whose secret cannot be decrypted, or a destination the transport refused (a private address without
 *   webhooks.allowprivate): the request itself is wrong, so retrying cannot help — the delivery
 *   stops (UnrecoverableError) and waits for a manual redelivery after the fix.
 * A subscription is flagged `failing` after `failureThreshold` failed attempts in a row and keeps
 * receiving deliveries; the next success clears the flag.
 */
export class WebhookDeliveryProcessor {
  constructor(
    private readonly subscriptions: Pick<WebhookSubscriptionsRepository, 'findById'>,
    private readonly log: Pick<WebhookDeliveriesRepository, 'record' | 'delivered'>,
    private readonly renderer: PayloadRenderer,
    private readonly transport: WebhookTransport,
    private readonly options: DeliveryOptions,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async process(job: DeliveryJobRun): Promise<DeliveryOutcome> {
    const { kind, subscriptionId, event } = job.data;
    const subscription = await this.subscriptions.findById(subscriptionId);
    if (subscription === null) return { status: 'skipped', reason: 'subscription deleted' };
    // pings and redeliveries are asked for by a person, so they go out even while disabled
    if (kind === 'event' && !subscription.enabled) return { status: 'skipped', reason: 'subscription disabled' };
    // the job may be gone from Redis (kept a day) while the event comes round again
    if (kind === 'event' && (await this.log.delivered(event.id, subscriptionId))) return { status: 'skipped', reason: 'already delivered' };

    const attempt = job.attemptsMade + 1;
    const deliveryId = randomUUID();
    const secret = subscription.secret;
    let request: OutboundRequest;
    try {
      // nothing can be signed without the secret (another key, or none, since it was stored)
      if (subscription.secretError !== undefined) throw new RenderError(`secret: ${subscription.secretError}`);
      request = this.renderer.render(subscription, event, deliveryId);
    } catch (error) {
      if (!(error instanceof RenderError)) throw error;
      const row = this.attemptRow(job, deliveryId, attempt, { url: redact(subscription.url, secret), headers: {} }, { ok: false, error: error.message, latencyMs: 0 }, null);
      await this.recordAndReport(row, subscription.name, false, job);
      throw new UnrecoverableError(error.message);
    }

    const timestamp = Math.floor(this.now().getTime() / 1000);
    const headers = { ...request.headers, 'x-wharf-timestamp': String(timestamp), 'x-wharf-signature': signWebhook(secret, timestamp, request.body) };
    const result = await this.transport.post({ ...request, headers }, this.options.timeoutMs);

    const success = result.ok && result.statusCode >= 200 && result.statusCode < 300;
    const retryable = !success && (result.ok ? isRetryableStatus(result.statusCode) : result.refused !== true);
    const willRetry = retryable && attempt < job.attempts;
    const delay = willRetry ? retryDelayMs(attempt, deliveryBackoff(this.options)) : 0;
    const logged = { url: redact(request.url, secret), headers: maskHeaders(headers, secret) };
    const row = this.attemptRow(job, deliveryId, attempt, logged, sanitize(result, secret), willRetry ? new Date(this.now().getTime() + delay) : null);
    await this.recordAndReport(row, subscription.name, willRetry, job);

    if (success) return { status: 'delivered', deliveryId, statusCode: (result as { statusCode: number }).statusCode };
    if (willRetry) throw new DeliveryFailedError(row.error!, delay);
    throw new UnrecoverableError(row.error!);
  }

  private attemptRow(
    job: DeliveryJobRun,
    id: string,
    attempt: number,
    request: { url: string; headers: Record<string, string> },
    result: TransportResult,
    nextAttemptAt: Date | null,
  ): DeliveryAttempt {
    const { data } = job;
    const success = result.ok && result.statusCode >= 200 && result.statusCode < 300;
    return {
      id,
      subscriptionId: data.subscriptionId,
      eventId: data.event.id,
      action: data.event.action,
      kind: data.kind,
      attempt,
      success,
      statusCode: result.ok ? result.statusCode : null,
      latencyMs: result.latencyMs,
      responseExcerpt: result.ok ? result.excerpt : null,
      error: success ? null : result.ok ? failureText(result.statusCode) : result.error,
      requestUrl: request.url,
      requestHeaders: request.headers,
      event: data.event,
      redeliveryOf: data.redeliveryOf ?? null,
      nextAttemptAt,
      deliveredAt: this.now(),
    };
  }

  private async recordAndReport(row: DeliveryAttempt, name: string, willRetry: boolean, job: DeliveryJobRun): Promise<void> {
    const health = await this.log.record(row, this.options.failureThreshold);
    const fields = {
      subscription: row.subscriptionId,
      name,
      deliveryId: row.id,
      eventId: row.eventId,
      kind: row.kind,
      attempt: row.attempt,
      statusCode: row.statusCode,
      latencyMs: row.latencyMs,
    };
    if (row.success) {
      if (health?.recovered) this.logger.info(fields, 'webhook subscription recovered: delivered again, no longer failing');
      else this.logger.debug(fields, 'webhook delivered');
      return;
    }
    this.reportFailure(fields, row, health, willRetry, job);
  }

  private reportFailure(fields: object, row: DeliveryAttempt, health: SubscriptionHealth | null, willRetry: boolean, job: DeliveryJobRun): void {
    const detail = { ...fields, error: row.error, nextAttemptAt: row.nextAttemptAt, consecutiveFailures: health?.consecutiveFailures };
    if (health?.becameFailing) {
      this.logger.error(
        { ...detail, threshold: this.options.failureThreshold },
        'WEBHOOK SUBSCRIPTION FAILING: consecutive delivery attempts failed; it stays enabled and keeps retrying — fix the receiver, then ping it or redeliver',
      );
    }
    if (willRetry) {
      this.logger.warn(detail, 'webhook delivery attempt failed; will retry');
    } else {
      this.logger.error(
        { ...detail, attempts: job.attempts },
        row.attempt >= job.attempts ? 'webhook delivery gave up: out of attempts (redeliver via the API)' : 'webhook delivery failed permanently (redeliver via the API once fixed)',
      );
    }
  }
}

/**
 * Wait before the next automatic attempt: `backoff` doubling per failed attempt up to `maxBackoff`,
 * ±10% so deliveries that failed together (a receiver restart) do not all come back at once.
 */
export function deliveryBackoff(limits: { backoffMs: number; maxBackoffMs: number }): Backoff {
  return { initialMs: limits.backoffMs, maxMs: limits.maxBackoffMs, jitter: 0.1 };
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

function failureText(status: number): string {
  return isRetryableStatus(status) ? `receiver answered HTTP ${status}` : `receiver answered HTTP ${status}; not retried (the request itself was refused)`;
}

/** Headers as logged: no signature, credentials masked, the secret nowhere. */
function maskHeaders(headers: Record<string, string>, secret: string): Record<string, string> {
  const logged: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'x-wharf-signature') continue;
    logged[name] = SENSITIVE_HEADER.test(name) ? '[masked]' : redact(value, secret);
  }
  return logged;
}

function sanitize(result: TransportResult, secret: string): TransportResult {
  if (!result.ok) return { ...result, error: redact(result.error, secret) };
  // printable text only: the excerpt is shown in a dashboard and in logs
  const excerpt = redact(result.excerpt, secret).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\ufffd');
  return { ...result, excerpt };
}

function redact(text: string, secret: string): string {
  if (secret === '') return text;
  return text.split(secret).join('[secret]').split(encodeURIComponent(secret)).join('[secret]');
}
