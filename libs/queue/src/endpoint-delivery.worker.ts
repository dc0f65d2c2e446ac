import type { NotificationEndpointConfig } from '@wharf/config';
import { QUEUE_PREFIX, endpointQueueName, type RegistryEvent } from '@wharf/events';
import type { Logger } from '@wharf/observability';
import { Queue, UnrecoverableError, type Job } from 'bullmq';
import type { RedisConnection } from './redis-connection.js';
import { EndpointAttempts } from './endpoint-attempts.js';
import { EndpointBreaker } from './endpoint-breaker.js';
import type { PipelineMetrics } from './pipeline-metrics.js';
import { QueueConsumer } from './queue.consumer.js';

export interface EndpointDeliveryWorkerOptions {
  endpoint: NotificationEndpointConfig;
  /** A `worker` connection (maxRetriesPerRequest: null); BullMQ duplicates it for blocking reads. */
  connection: RedisConnection;
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
  private readonly attempts: EndpointAttempts;
  private closing = false;

  constructor(private readonly options: EndpointDeliveryWorkerOptions) {
    const prefix = options.prefix ?? QUEUE_PREFIX;
    const endpoint = options.endpoint;
    this.queueName = endpointQueueName(endpoint.name);
    const breaker = EndpointBreaker.inRedis(options.connection, prefix, this.queueName, endpoint.threshold, endpoint.backoffMs);
    this.attempts = new EndpointAttempts(endpoint, breaker, options.logger, options.metrics);
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
    const breaker = this.attempts.breaker;
    let attempts = 0;
    for (;;) {
      let state;
      try {
        state = await breaker.state();
      } catch (err) {
        return this.handBack(1_000, err);
      }
      const holdOff = breaker.holdOffMs(state);
      if (holdOff > 0) return this.handBack(holdOff);
      if (this.closing && attempts > 0) return this.handBack(1);

      attempts++;
      const result = await this.attempts.attempt(job.data, job.timestamp, state);
      if (result.delivered) return { status: result.status, attempts };
      if ('deadLetter' in result && result.deadLetter) throw new UnrecoverableError(result.reason);
    }
  }

  /** Puts the job back at the head of the queue and holds the whole endpoint for `ms`, without counting an attempt. */
  private async handBack(ms: number, cause?: unknown): Promise<never> {
    if (cause !== undefined) {
      this.options.logger.warn({ err: cause instanceof Error ? cause.message : String(cause), endpoint: this.options.endpoint.name }, 'endpoint worker: cannot read the breaker');
    }
    return this.consumer.handBack(ms);
  }
}
