import { EVENT_JOB_NAME, QUEUE_PREFIX, type RegistryEvent } from '@wharf/events';
import type { Logger } from '@wharf/observability';
import { Queue } from 'bullmq';
import type { RedisConnection } from './redis-connection.js';
import type { EventLog } from './event-log.js';
import type { EventSpool } from './event-spool.js';
import { queueJobId } from './job-ids.js';
import type { PipelineMetrics } from './pipeline-metrics.js';
import type { QueueRoute } from './queue-routes.js';
import type { SpoolPosition } from './spool-files.js';
import { WakeableWait } from './wakeable-wait.js';

export interface SpoolForwarderOptions {
  spool: EventSpool;
  /** A `producer` connection (fails fast while Redis is away). */
  connection: RedisConnection;
  routes: readonly QueueRoute[];
  eventLog?: EventLog;
  logger: Logger;
  prefix?: string;
  /** Events per Redis round (one addBulk per queue). Default 500. */
  batchSize?: number;
  /** Retry delays after a failed round grow from 100 ms to this. Default 5 s. */
  maxBackoffMs?: number;
  metrics?: PipelineMetrics;
}

const IDLE_POLL_MS = 1_000;
const FIRST_BACKOFF_MS = 100;
/** A Redis round that takes longer than this is abandoned and retried (its job ids make that safe). */
const ROUND_TIMEOUT_MS = 20_000;

/**
 * Moves events from the spool to the queues, in the registry process: reads from the spool's
 * checkpoint, adds one job per event and consumer (job id `eventJobId(event.id, consumer)`, so a
 * batch added twice after a crash or a timeout is absorbed), appends the events to the replay log,
 * then advances the checkpoint. Delivery is at least once; order follows the spool.
 *
 * While Redis is down or unreachable it keeps nothing in memory: the spool keeps growing on disk,
 * rounds are retried with capped backoff, and the backlog drains when Redis answers again.
 * `append` never waits for any of this.
 */
export class SpoolForwarder {
  private position: SpoolPosition | undefined;
  private queues: Map<string, Queue> | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;
  private drainDeadline = 0;
  private readonly pause = new WakeableWait();
  private redisUp: boolean | undefined;
  private lastErrorLog = 0;
  private readonly prefix: string;
  private readonly batchSize: number;
  private readonly maxBackoffMs: number;
  private forwardedTotal = 0;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: SpoolForwarderOptions) {
    this.prefix = options.prefix ?? QUEUE_PREFIX;
    this.batchSize = options.batchSize ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 5_000;
  }

  /** Events forwarded by this instance since it started. */
  get forwarded(): number {
    return this.forwardedTotal;
  }

  start(): void {
    if (this.running !== undefined) return;
    this.unsubscribe = this.options.spool.onAppended(() => this.wake());
    this.options.connection.on('ready', this.onReady);
    this.running = this.loop().catch((err: unknown) => {
      this.options.logger.error({ err }, 'event forwarder stopped unexpectedly');
    });
  }

  /** Makes an idle forwarder look at the spool now (not while it is backing off from a Redis failure). */
  wake(): void {
    this.pause.wake();
  }

  /**
   * Stops forwarding. Events still spooled are forwarded for up to `drainMs` first; whatever is
   * left stays on disk for the next start.
   */
  async stop(drainMs = 5_000): Promise<void> {
    this.drainDeadline = Date.now() + drainMs;
    this.stopping = true;
    this.pause.interrupt();
    await this.running;
    this.unsubscribe?.();
    this.options.connection.off('ready', this.onReady);
    await this.closeQueues();
  }

  /** Redis is back: end any backoff at once. */
  private readonly onReady = (): void => {
    this.pause.interrupt();
  };

  private async loop(): Promise<void> {
    let backoff = FIRST_BACKOFF_MS;
    this.position = await this.options.spool.checkpoint();
    for (;;) {
      if (this.stopping && Date.now() >= this.drainDeadline) return;
      let progressed = false;
      try {
        progressed = await this.round();
        backoff = FIRST_BACKOFF_MS;
      } catch (err) {
        this.reportFailure(err);
        await this.closeQueues();
        if (this.stopping) return;
        await this.idle(backoff);
        backoff = Math.min(backoff * 2, this.maxBackoffMs);
        continue;
      }
      if (progressed) continue;
      if (this.stopping) return;
      await this.idle(IDLE_POLL_MS);
    }
  }

  /** One read-forward-commit round; false when there was nothing to forward. */
  private async round(): Promise<boolean> {
    const spool = this.options.spool;
    const from = this.position!;
    const { events, next } = await spool.read(from, this.batchSize);
    if (events.length === 0) {
      if (next.segment === from.segment && next.offset === from.offset) return false;
      await spool.commit(next); // skipped empty or torn segment tails
      this.position = next;
      return true;
    }
    if (this.options.connection.status !== 'ready') throw new RedisUnavailableError(this.options.connection.status);
    await withTimeout(this.forward(events), ROUND_TIMEOUT_MS);
    await spool.commit(next);
    this.position = next;
    this.forwardedTotal += events.length;
    this.options.metrics?.forwardedEvents.inc(events.length);
    this.setRedisUp(true);
    return true;
  }

  private async forward(events: RegistryEvent[]): Promise<void> {
    const queues = this.openQueues();
    const adds: Promise<unknown>[] = [];
    for (const route of this.options.routes) {
      const jobs = events
        .filter((event) => route.accepts(event))
        .map((event) => ({
          name: EVENT_JOB_NAME,
          data: event,
          opts: { ...route.jobOptions, jobId: queueJobId(event.id, route.consumer) },
        }));
      if (jobs.length === 0) continue;
      adds.push(
        queues
          .get(route.name)!
          .addBulk(jobs)
          .then(() => {
            // registry:2 counts an event for an endpoint when it enters the endpoint's queue
            if (route.endpoint !== undefined) this.options.metrics?.registryEvents.inc({ type: 'Events', endpoint: route.endpoint.name }, jobs.length);
          }),
      );
    }
    if (this.options.eventLog !== undefined) {
      const pipeline = this.options.connection.pipeline();
      this.options.eventLog.addTo(pipeline, events);
      adds.push(
        pipeline.exec().then((results) => {
          const failed = results?.find(([err]) => err !== null);
          if (failed) throw failed[0];
        }),
      );
    }
    const results = await Promise.allSettled(adds);
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) throw rejected.reason;
  }

  /**
   * Queue objects are cheap; they are dropped after any failed round, because a BullMQ Queue whose
   * first connection check failed stays broken, and made again when Redis is back.
   */
  private openQueues(): Map<string, Queue> {
    if (this.queues === undefined) {
      this.queues = new Map(
        this.options.routes.map((route) => {
          const queue = new Queue(route.name, { connection: this.options.connection, prefix: this.prefix });
          queue.on('error', () => undefined); // failures surface through addBulk
          return [route.name, queue];
        }),
      );
    }
    return this.queues;
  }

  private async closeQueues(): Promise<void> {
    const queues = this.queues;
    this.queues = undefined;
    if (queues === undefined) return;
    // The connection is shared and stays open; close() only detaches the Queue objects.
    await Promise.allSettled([...queues.values()].map((queue) => withTimeout(queue.close(), 1_000)));
  }

  private reportFailure(err: unknown): void {
    this.setRedisUp(false);
    const now = Date.now();
    if (now - this.lastErrorLog < 30_000) return;
    this.lastErrorLog = now;
    this.options.logger.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'event forwarder: Redis unavailable; events stay spooled on disk and are forwarded when it answers',
    );
  }

  private setRedisUp(up: boolean): void {
    if (this.redisUp === up) return;
    if (up && this.redisUp === false) this.options.logger.info('event forwarder: Redis answers again; forwarding the spooled events');
    this.redisUp = up;
    this.options.metrics?.forwarderRedisUp.set(up ? 1 : 0);
  }

  /**
   * Waits `ms`, or less when woken. While Redis is failing only its 'ready' event (or stop) ends
   * the wait, so a stream of appends during an outage does not turn the backoff into a busy loop.
   */
  private idle(ms: number): Promise<void> {
    return this.pause.wait(ms, this.redisUp !== false);
  }
}

export class RedisUnavailableError extends Error {
  constructor(status: string) {
    super(`Redis connection is ${status}`);
    this.name = 'RedisUnavailableError';
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
