import type { NotificationEndpointConfig } from '@wharf/config';
import { QUEUE_PREFIX, endpointQueueName, type RegistryEvent } from '@wharf/events';
import type { Logger } from '@wharf/observability';
import { Queue, UnrecoverableError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { EndpointBreaker } from './endpoint-breaker.js';
import { EndpointSender, type SendOutcome } from './endpoint-sender.js';
import type { PipelineMetrics } from './pipeline-metrics.js';
import { QueueConsumer } from './queue.consumer.js';

export interface EndpointDeliveryWorkerOptions {
  endpoint: NotificationEndpointConfig;
  /** A `worker` connection (maxRetriesPerRequest: null); BullMQ duplicates it for blocking reads. */
  connection: Redis;
  logger: Logger;
  prefix?: string;
  metrics?: PipelineMetrics;
}

export interface DeliveryResult {
  status: number;
  attempts: number;
}

/** A crash mid-delivery leaves the job active; it must go back to the head, never to the dead letters. */
const NEVER_FAIL_STALLED = 1_000_000;

/**
 * Delivers one `notifications.endpoints[]` entry's queue with registry:2's semantics:
 * - one event per POST, in queue order: concurrency 1 here and a global concurrency of 1 on the
 *   queue, so several registry replicas never deliver out of order;
 * - a 2xx or 3xx answer is a delivery; anything else, or no answer within `timeout`, a failure;
 * - failures are retried at once until `threshold` consecutive failures, then the whole endpoint
 *   waits `backoff` after each further failure (registry:2's breaker, shared through Redis). While
 *   backing off the job is handed back to the head of the queue (QueueConsumer.handBack), which
 *   burns no attempt and keeps the order;
 * - registry:2 retries forever; Wharf moves a delivery that still fails `maxretryage` after its
 *   event was queued to the failed set, the dead letters, and goes on with the next event.
 */
export class EndpointDeliveryWorker {
  readonly queueName: string;
  private readonly consumer: QueueConsumer<RegistryEvent, DeliveryResult>;
  private readonly queue: Queue<RegistryEvent>;
  private readonly breaker: EndpointBreaker;
  private readonly sender: EndpointSender;
  private closing = false;
  private lastFailureLog = 0;

  constructor(private readonly options: EndpointDeliveryWorkerOptions) {
    const prefix = options.prefix ?? QUEUE_PREFIX;
    const endpoint = options.endpoint;
    this.queueName = endpointQueueName(endpoint.name);
    this.sender = new EndpointSender(endpoint);
    this.breaker = new EndpointBreaker(options.connection, prefix, this.queueName, endpoint.threshold, endpoint.backoffMs);
    this.queue = new Queue(this.queueName, { connection: options.connection, prefix });
    this.queue.on('error', () => undefined);
    this.consumer = new QueueConsumer<RegistryEvent, DeliveryResult>({
      name: `endpoint ${endpoint.name}`,
      queue: this.queueName,
      connection: options.connection,
      prefix,
      logger: options.logger,
      concurrency: 1,
      handle: (job) => this.deliver(job),
      worker: {
        // The breaker waits can be long; BullMQ re-checks the limit at least this often.
        maximumRateLimitDelay: Math.max(endpoint.backoffMs, 1_000),
        maxStalledCount: NEVER_FAIL_STALLED,
      },
    });
  }

  /**
   * Starts consuming. Never waits for Redis: the worker connection queues its commands until Redis
   * answers, so a registry starts (and spools) while Redis is down.
   */
  start(): void {
    // Order across replicas: at most one job of this queue is active anywhere.
    this.queue.setGlobalConcurrency(1).catch((err: unknown) => {
      this.options.logger.warn({ err, endpoint: this.options.endpoint.name }, 'endpoint worker: could not set the global concurrency');
    });
    this.consumer.start();
  }

  /** Lets the delivery in flight finish (at most one attempt more), then stops. */
  async close(): Promise<void> {
    this.closing = true;
    await this.consumer.close();
    await this.queue.close();
  }

  private async deliver(job: Job<RegistryEvent, DeliveryResult>): Promise<DeliveryResult> {
    const endpoint = this.options.endpoint;
    const metrics = this.options.metrics;
    let attempts = 0;
    for (;;) {
      let state;
      try {
        state = await this.breaker.state();
      } catch (err) {
        return this.handBack(1_000, err);
      }
      const holdOff = this.breaker.holdOffMs(state);
      if (holdOff > 0) return this.handBack(holdOff);
      if (this.closing && attempts > 0) return this.handBack(1);

      attempts++;
      const outcome = await this.sender.send(job.data);
      this.count(outcome);
      if (outcome.ok) {
        if (state.consecutiveFailures > 0) await this.breaker.success().catch(() => undefined);
        metrics?.deliveries.inc({ endpoint: endpoint.name, outcome: 'delivered' });
        metrics?.deliveryLatencySeconds.observe({ endpoint: endpoint.name }, Math.max(0, Date.now() - job.timestamp) / 1000);
        return { status: outcome.status, attempts };
      }

      const after = await this.breaker.failure().catch(() => ({ consecutiveFailures: state.consecutiveFailures + 1 }));
      const age = Date.now() - job.timestamp;
      this.logFailure(job, outcome, after.consecutiveFailures);
      if (age >= endpoint.maxRetryAgeMs) {
        metrics?.deliveries.inc({ endpoint: endpoint.name, outcome: 'dead_lettered' });
        throw new UnrecoverableError(
          `endpoint ${endpoint.name}: ${outcome.error}; still failing ${Math.round(age / 1000)} s after the event was queued ` +
            `(maxretryage ${Math.round(endpoint.maxRetryAgeMs / 1000)} s)`,
        );
      }
      metrics?.deliveries.inc({ endpoint: endpoint.name, outcome: 'failed' });
    }
  }

  /** Puts the job back at the head of the queue and holds the whole endpoint for `ms`, without counting an attempt. */
  private async handBack(ms: number, cause?: unknown): Promise<never> {
    if (cause !== undefined) {
      this.options.logger.warn({ err: cause instanceof Error ? cause.message : String(cause), endpoint: this.options.endpoint.name }, 'endpoint worker: cannot read the breaker');
    }
    return this.consumer.handBack(ms);
  }

  private count(outcome: SendOutcome): void {
    const metrics = this.options.metrics;
    if (metrics === undefined) return;
    const endpoint = this.options.endpoint.name;
    if (outcome.status === undefined) {
      metrics.registryEvents.inc({ type: 'Errors', endpoint });
      return;
    }
    metrics.registryStatus.inc({ code: `${outcome.status} ${outcome.statusText}`, endpoint });
    metrics.registryEvents.inc({ type: outcome.ok ? 'Successes' : 'Failures', endpoint });
  }

  /** One warning per endpoint every 10 s at most: an endpoint down for an hour must not flood the log. */
  private logFailure(job: Job<RegistryEvent>, outcome: SendOutcome, consecutiveFailures: number): void {
    const now = Date.now();
    if (now - this.lastFailureLog < 10_000) return;
    this.lastFailureLog = now;
    this.options.logger.warn(
      {
        endpoint: this.options.endpoint.name,
        eventId: job.data.id,
        error: outcome.ok ? undefined : outcome.error,
        consecutiveFailures,
        threshold: this.options.endpoint.threshold,
      },
      consecutiveFailures >= this.options.endpoint.threshold
        ? 'notification endpoint failing; backing off'
        : 'notification endpoint failed; retrying',
    );
  }
}
