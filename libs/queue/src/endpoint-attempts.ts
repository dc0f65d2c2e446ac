import type { NotificationEndpointConfig } from '@wharf/config';
import type { RegistryEvent } from '@wharf/events';
import type { Logger } from '@wharf/observability';
import type { BreakerState, EndpointBreaker } from './endpoint-breaker.js';
import { EndpointSender, type SendOutcome } from './endpoint-sender.js';
import type { PipelineMetrics } from './pipeline-metrics.js';

export type AttemptResult =
  | { delivered: true; status: number }
  /** Failed; `deadLetter` once the event is `maxretryage` old (`reason` says so), else retry. */
  | { delivered: false; deadLetter: boolean; reason: string }
  /** Cut short by the caller's signal (shutdown): neither a success nor a failure. */
  | { delivered: false; aborted: true };

/**
 * One registry:2 delivery attempt of one event to one endpoint and its bookkeeping, the same for
 * both ways Wharf delivers endpoints (the BullMQ worker with Redis, SpoolEndpointDelivery without):
 * the POST (EndpointSender), the breaker told the outcome, registry:2's and Wharf's metrics, a
 * rate-limited log line per failure, and whether the event is past `maxretryage`. When and whether
 * to attempt again is the caller's.
 */
export class EndpointAttempts {
  private readonly sender: EndpointSender;
  private lastFailureLog = 0;

  constructor(
    private readonly endpoint: NotificationEndpointConfig,
    readonly breaker: EndpointBreaker,
    private readonly logger: Logger,
    private readonly metrics?: PipelineMetrics,
  ) {
    this.sender = new EndpointSender(endpoint);
  }

  /**
   * POSTs `event`. `queuedAt` (epoch ms) is when the event entered delivery: latency and
   * `maxretryage` count from it. `state` is the breaker as read before the attempt.
   */
  async attempt(event: RegistryEvent, queuedAt: number, state: BreakerState, signal?: AbortSignal): Promise<AttemptResult> {
    const endpoint = this.endpoint.name;
    const outcome = await this.sender.send(event, signal);
    if (!outcome.ok && signal?.aborted) return { delivered: false, aborted: true };
    this.count(outcome);
    if (outcome.ok) {
      if (state.consecutiveFailures > 0) await this.breaker.success().catch(() => undefined);
      this.metrics?.deliveries.inc({ endpoint, outcome: 'delivered' });
      this.metrics?.deliveryLatencySeconds.observe({ endpoint }, Math.max(0, Date.now() - queuedAt) / 1000);
      return { delivered: true, status: outcome.status };
    }

    const after = await this.breaker.failure().catch(() => ({ consecutiveFailures: state.consecutiveFailures + 1 }));
    this.logFailure(event, outcome.error, after.consecutiveFailures);
    const age = Date.now() - queuedAt;
    if (age < this.endpoint.maxRetryAgeMs) {
      this.metrics?.deliveries.inc({ endpoint, outcome: 'failed' });
      return { delivered: false, deadLetter: false, reason: outcome.error };
    }
    this.metrics?.deliveries.inc({ endpoint, outcome: 'dead_lettered' });
    return {
      delivered: false,
      deadLetter: true,
      reason:
        `endpoint ${endpoint}: ${outcome.error}; still failing ${Math.round(age / 1000)} s after the event was queued ` +
        `(maxretryage ${Math.round(this.endpoint.maxRetryAgeMs / 1000)} s)`,
    };
  }

  private count(outcome: SendOutcome): void {
    const metrics = this.metrics;
    if (metrics === undefined) return;
    const endpoint = this.endpoint.name;
    if (outcome.status === undefined) {
      metrics.registryEvents.inc({ type: 'Errors', endpoint });
      return;
    }
    metrics.registryStatus.inc({ code: `${outcome.status} ${outcome.statusText}`, endpoint });
    metrics.registryEvents.inc({ type: outcome.ok ? 'Successes' : 'Failures', endpoint });
  }

  /** One warning per endpoint every 10 s at most: an endpoint down for an hour must not flood the log. */
  private logFailure(event: RegistryEvent, error: string, consecutiveFailures: number): void {
    const now = Date.now();
    if (now - this.lastFailureLog < 10_000) return;
    this.lastFailureLog = now;
    this.logger.warn(
      { endpoint: this.endpoint.name, eventId: event.id, error, consecutiveFailures, threshold: this.endpoint.threshold },
      consecutiveFailures >= this.endpoint.threshold ? 'notification endpoint failing; backing off' : 'notification endpoint failed; retrying',
    );
  }
}
