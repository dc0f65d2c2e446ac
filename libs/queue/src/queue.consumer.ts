import { QUEUE_PREFIX } from '@wharf/events';
import type { Logger } from '@wharf/observability';
import { RateLimitError, UnrecoverableError, Worker, type Job, type WorkerOptions } from 'bullmq';
import type { RedisConnection } from './redis-connection.js';
import { retryDelayMs, type Backoff } from './retry-delay.js';

/**
 * What a failed job means, as the consumer's `classify` reads the error:
 * - `unavailable`: the downstream as a whole is down or overloaded (Elasticsearch, PostgreSQL): no
 *   fault of the job. It goes back to the queue without spending an attempt and the queue pauses.
 * - `permanent`: retrying can never help (a malformed event): the job fails at once, into the
 *   dead-letter set, where it can be inspected and redelivered.
 * - `retry`: this job failed and its handler already said why: BullMQ retries it as its job options
 *   and the worker's backoff strategy say.
 * Anything else is unexpected: logged with the job, then retried as `retry`.
 */
export type FailureKind = 'unavailable' | 'permanent' | 'retry';

export interface QueueConsumerOptions<D, R> {
  /** Names the consumer in logs: "indexer", "deployer router". */
  name: string;
  queue: string;
  /** A `worker` connection (maxRetriesPerRequest: null); BullMQ duplicates it for blocking reads. */
  connection: RedisConnection;
  /** Redis key prefix; QUEUE_PREFIX unless a test isolates itself. */
  prefix?: string;
  logger: Logger;
  /** Jobs run at once: what lets a batcher fill its batches. */
  concurrency: number;
  handle(job: Job<D, R>): Promise<R>;
  classify?(error: unknown): FailureKind | undefined;
  /** The queue's pause while the downstream is down, growing with each pause in a row. Default 250 ms doubling to 5 s. */
  pause?: Backoff;
  /** BullMQ's lock and stall settings, rate-limit checks, and a backoff strategy for `retry` failures. */
  worker?: Pick<WorkerOptions, 'lockDuration' | 'stalledInterval' | 'maxStalledCount' | 'maximumRateLimitDelay' | 'settings'>;
}

const DEFAULT_PAUSE: Backoff = { initialMs: 250, maxMs: 5_000 };
/**
 * BullMQ honours a manual rate limit (handBack) before fetching the next job only when the worker
 * has a limiter: its fetch compares the limiter key with `max`. This one is never reached by counting.
 */
const MANUAL_LIMITER = { max: 1_000_000_000, duration: 1_000 };
/** While Redis is away every failed reconnect is an 'error'; one line this often is enough. */
const REDIS_ERROR_LOG_MS = 30_000;
const OUTAGE_LOG_EVERY = 20;

/**
 * The one way Wharf consumes a BullMQ queue (indexer, counter, deployer, registry:2 endpoints): a
 * plain Worker whose options come from the configuration, and one answer to each kind of failure
 * (FailureKind). A downstream that is down pauses the queue with BullMQ's manual rate limit
 * (`worker.rateLimit` + `RateLimitError`): the job is handed back to the head of the queue unspent,
 * no worker of the queue, in any process, takes another job until the pause ends, and the pause
 * grows while the outage lasts; the first job that succeeds ends it. So an outage of any length
 * loses nothing, fails nothing and spends no attempt. Idempotence is the producer's (job ids
 * `<event id>.<consumer>`) and the handler's (writes keyed by event id): a job may run twice after a
 * crash. `close()` is BullMQ's graceful close: jobs in flight finish first.
 */
export class QueueConsumer<D, R = unknown> {
  private readonly worker: Worker<D, R>;
  private outage: { since: number; pauses: number; until: number } | undefined;
  private lastRedisLog = 0;

  constructor(private readonly options: QueueConsumerOptions<D, R>) {
    this.worker = new Worker<D, R>(options.queue, (job) => this.run(job), {
      connection: options.connection,
      prefix: options.prefix ?? QUEUE_PREFIX,
      concurrency: options.concurrency,
      limiter: MANUAL_LIMITER,
      autorun: false,
      ...options.worker,
    });
    this.worker.on('error', (err) => {
      if (Date.now() - this.lastRedisLog < REDIS_ERROR_LOG_MS) return;
      this.lastRedisLog = Date.now();
      options.logger.warn({ err: err.message, consumer: options.name }, `${options.name}: queue worker error (Redis?)`);
    });
  }

  /** Starts taking jobs. Never waits for Redis: the connection queues its commands until Redis answers. */
  start(): void {
    void this.worker.run().catch((err: unknown) => this.options.logger.error({ err, consumer: this.options.name }, `${this.options.name}: queue worker stopped`));
  }

  /** Resolves once the worker is connected (for callers that want to know it is consuming). */
  async ready(): Promise<void> {
    await this.worker.waitUntilReady();
  }

  /** Lets the jobs in flight finish, then stops taking jobs. */
  async close(): Promise<void> {
    await this.worker.close();
  }

  /**
   * From a handler: hands the job back to the head of the queue without spending an attempt and holds
   * the whole queue for `ms`. Throws, always: let it propagate.
   */
  async handBack(ms: number): Promise<never> {
    await this.worker.rateLimit(Math.max(1, Math.ceil(ms)));
    throw Worker.RateLimitError();
  }

  private async run(job: Job<D, R>): Promise<R> {
    let result: R;
    try {
      result = await this.options.handle(job);
    } catch (error) {
      if (error instanceof UnrecoverableError || error instanceof RateLimitError) throw error;
      const kind = this.options.classify?.(error);
      if (kind === 'unavailable') return this.unavailable(error);
      if (kind === 'permanent') throw new UnrecoverableError((error as Error).message);
      if (kind === undefined) this.options.logger.error({ err: error, jobId: job.id, consumer: this.options.name }, `${this.options.name}: job failed unexpectedly; it is retried`);
      throw error;
    }
    if (this.outage !== undefined) {
      this.options.logger.info({ consumer: this.options.name, downMs: Date.now() - this.outage.since }, `${this.options.name}: downstream answers again`);
      this.outage = undefined;
    }
    return result;
  }

  /** One pause per round of failures: the jobs that fail while the queue is already paused only go back. */
  private async unavailable(error: unknown): Promise<never> {
    const now = Date.now();
    const outage = (this.outage ??= { since: now, pauses: 0, until: 0 });
    if (now < outage.until) throw Worker.RateLimitError();
    outage.pauses++;
    const delayMs = retryDelayMs(outage.pauses, this.options.pause ?? DEFAULT_PAUSE);
    outage.until = now + delayMs;
    if (outage.pauses === 1 || outage.pauses % OUTAGE_LOG_EVERY === 0) {
      const fields = { consumer: this.options.name, err: (error as Error).message, pauses: outage.pauses, delayMs };
      this.options.logger.warn(fields, `${this.options.name}: downstream unavailable; jobs wait in the queue, which pauses`);
    }
    return this.handBack(delayMs);
  }
}
