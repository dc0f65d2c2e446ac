import type { NotificationEndpointConfig } from '@wharf/config';
import { QUEUE_PREFIX, endpointQueueName, type RegistryEvent } from '@wharf/events';
import type { Logger } from '@wharf/observability';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { RedisConnection } from './redis-connection.js';
import { EndpointAttempts } from './endpoint-attempts.js';
import { EndpointBreaker } from './endpoint-breaker.js';
import type { PipelineMetrics } from './pipeline-metrics.js';

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

/**
 * The limiter only makes BullMQ honour a manual rate limit (queue.rateLimit) before fetching the
 * next job: with a limiter configured, the fetch script compares the limiter key with `max`. The
 * max is never reached by counting.
 */
const MANUAL_LIMITER = { max: 1_000_000_000, duration: 1_000 };
/** A crash mid-delivery leaves the job active; it must go back to the head, never to the dead letters. */
const NEVER_FAIL_STALLED = 1_000_000;

/**
 * Delivers one `notifications.endpoints[]` entry's queue with registry:2's semantics:
 * - one event per POST, in queue order: concurrency 1 here and a global concurrency of 1 on the
 *   queue, so several registry replicas never deliver out of order;
 * - a 2xx or 3xx answer is a delivery; anything else, or no answer within `timeout`, a failure;
 * - failures are retried at once until `threshold` consecutive failures, then the whole endpoint
 *   waits `backoff` after each further failure (registry:2's breaker, shared through Redis). While
 *   backing off the job is handed back to the head of the queue with a manual rate limit
 *   (queue.rateLimit + Worker.RateLimitError), which burns no attempt and keeps the order;
 * - registry:2 retries forever; Wharf moves a delivery that still fails `maxretryage` after its
 *   event was queued to the failed set, the dead letters, and goes on with the next event.
 */
export class EndpointDeliveryWorker {
  readonly queueName: string;
  private readonly worker: Worker<RegistryEvent, DeliveryResult>;
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
    this.worker = new Worker<RegistryEvent, DeliveryResult>(this.queueName, (job) => this.deliver(job), {
      connection: options.connection,
      prefix,
      concurrency: 1,
      limiter: MANUAL_LIMITER,
      // The breaker waits can be long; BullMQ re-checks the limit at least this often.
      maximumRateLimitDelay: Math.max(endpoint.backoffMs, 1_000),
      maxStalledCount: NEVER_FAIL_STALLED,
      autorun: false,
    });
    let lastRedisLog = 0;
    this.worker.on('error', (err) => {
      // every failed reconnect is an 'error'; one line per 30 s is enough while Redis is away
      if (Date.now() - lastRedisLog < 30_000) return;
      lastRedisLog = Date.now();
      options.logger.warn({ err: err.message, endpoint: endpoint.name }, 'endpoint worker: RedisConnection error');
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
    void this.worker.run().catch((err: unknown) => {
      this.options.logger.error({ err, endpoint: this.options.endpoint.name }, 'endpoint worker stopped');
    });
  }

  /** Lets the delivery in flight finish (at most one attempt more), then stops. */
  async close(): Promise<void> {
    this.closing = true;
    await this.worker.close();
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

  /**
   * Puts the job back at the head of the queue and holds the whole endpoint for `ms`, without
   * counting an attempt (BullMQ's manual rate limit).
   */
  private async handBack(ms: number, cause?: unknown): Promise<never> {
    if (cause !== undefined) {
      this.options.logger.warn({ err: cause instanceof Error ? cause.message : String(cause), endpoint: this.options.endpoint.name }, 'endpoint worker: cannot read the breaker');
    }
    await this.queue.rateLimit(Math.max(1, Math.ceil(ms)));
    throw Worker.RateLimitError();
  }
}
