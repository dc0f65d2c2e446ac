import type { NotificationEndpointConfig } from '@wharf/config';
import type { RegistryEvent } from '@wharf/events';
import type { Logger } from '@wharf/observability';
import { EndpointAttempts } from './endpoint-attempts.js';
import { EndpointBreaker } from './endpoint-breaker.js';
import type { EventSpool } from './event-spool.js';
import type { PipelineMetrics } from './pipeline-metrics.js';
import { endpointRoute } from './queue-routes.js';
import type { SpoolPosition } from './spool-files.js';
import { WakeableWait } from './wakeable-wait.js';

export interface SpoolEndpointDeliveryOptions {
  spool: EventSpool;
  endpoint: NotificationEndpointConfig;
  logger: Logger;
  metrics?: PipelineMetrics;
  /** Events read from the spool at a time. Default 100. */
  batchSize?: number;
}

const IDLE_POLL_MS = 1_000;
/** Progress is written down at least this often while events flow, and before every backoff. */
const COMMIT_EVERY_MS = 1_000;
/** A spool read or checkpoint write that failed (a disk error) is tried again after this. */
const RETRY_LOCAL_MS = 1_000;

/**
 * Delivers one `notifications.endpoints[]` entry straight from the local spool, in this process:
 * what Wharf does without a `redis` section, as registry:2 delivers from memory.
 *
 * registry:2's semantics (EndpointAttempts, the same code as the BullMQ worker's): one event per
 * POST in spool order, the endpoint's headers and timeout, failures retried at once until
 * `threshold`, then `backoff` between attempts (an in-memory breaker), ignore rules applied, and
 * Wharf's `maxretryage` after which a failing event is logged as a dead letter and skipped.
 *
 * Wharf's durability: the registry spools an event before it answers; this delivery reads from
 * its own checkpoint (`checkpoint.endpoint.<name>.json`) and moves it on after each batch, at least
 * every second, and before each backoff. A SIGKILL therefore loses nothing: after a restart the
 * endpoint gets everything from its checkpoint on, some events perhaps twice (at least once). Each
 * endpoint has its own reader and checkpoint, so one that is down or slow holds nobody else; the
 * spool keeps the segments until every endpoint has passed them.
 *
 * One bounded component with start/stop and no shared state beyond the spool, so it can move to a
 * worker thread whole.
 */
export class SpoolEndpointDelivery {
  /** This consumer's name in the spool (its checkpoint file), the same as its BullMQ queue's name. */
  readonly consumer: string;
  private readonly attempts: EndpointAttempts;
  private readonly accepts: (event: RegistryEvent) => boolean;
  private readonly batchSize: number;
  private running: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopping = false;
  private drainDeadline = 0;
  private readonly inFlight = new AbortController();
  private readonly pause = new WakeableWait();

  constructor(private readonly options: SpoolEndpointDeliveryOptions) {
    const { endpoint } = options;
    const route = endpointRoute(endpoint);
    this.consumer = route.consumer;
    this.accepts = route.accepts;
    this.attempts = new EndpointAttempts(endpoint, EndpointBreaker.inMemory(endpoint.threshold, endpoint.backoffMs), options.logger, options.metrics);
    this.batchSize = options.batchSize ?? 100;
  }

  start(): void {
    if (this.running !== undefined) return;
    this.unsubscribe = this.options.spool.onAppended(() => this.pause.wake());
    this.running = this.loop().catch((err: unknown) => {
      this.options.logger.error({ err, endpoint: this.options.endpoint.name }, 'endpoint delivery stopped unexpectedly');
    });
  }

  /**
   * Keeps delivering what is spooled for up to `drainMs` (not through a backoff), then cuts the
   * POST in flight short and stops; the rest is delivered after the next start.
   */
  async stop(drainMs: number): Promise<void> {
    this.stopping = true;
    this.drainDeadline = Date.now() + drainMs;
    const cut = setTimeout(() => this.inFlight.abort(), drainMs);
    this.pause.interrupt();
    await this.running;
    clearTimeout(cut);
    this.unsubscribe?.();
  }

  private get draining(): boolean {
    return this.stopping && Date.now() >= this.drainDeadline;
  }

  private async loop(): Promise<void> {
    const spool = this.options.spool;
    let position = await this.retryLocal(() => spool.checkpoint(this.consumer));
    if (position === undefined) return;
    for (;;) {
      if (this.draining) return;
      const from: SpoolPosition = position;
      const read = await this.retryLocal(() => spool.read(from, this.batchSize));
      if (read === undefined) return;
      if (read.events.length === 0) {
        if (read.next.segment !== from.segment || read.next.offset !== from.offset) {
          await this.commit(read.next); // skipped an empty or torn segment tail
          position = read.next;
          continue;
        }
        if (this.stopping) return;
        await this.idle(IDLE_POLL_MS, true);
        continue;
      }
      let done = from;
      let committedAt = Date.now();
      for (const [i, event] of read.events.entries()) {
        const outcome = await this.deliver(event, () => this.commit(done));
        if (outcome === 'stopped') {
          await this.commit(done);
          return;
        }
        done = read.positions[i]!;
        if (Date.now() - committedAt >= COMMIT_EVERY_MS) {
          await this.commit(done);
          committedAt = Date.now();
        }
      }
      await this.commit(read.next);
      position = read.next;
    }
  }

  /**
   * Attempts `event` until it is delivered or dead-lettered; 'stopped' when shutdown came first.
   * `beforeBackoff` writes down the progress so far, as a backoff may last until a restart.
   */
  private async deliver(event: RegistryEvent, beforeBackoff: () => Promise<unknown>): Promise<'done' | 'stopped'> {
    if (!this.accepts(event)) return 'done';
    const { endpoint, metrics, logger } = this.options;
    metrics?.registryEvents.inc({ type: 'Events', endpoint: endpoint.name });
    const queuedAt = Date.parse(event.timestamp) || Date.now();
    const breaker = this.attempts.breaker;
    for (;;) {
      if (this.draining) return 'stopped';
      const state = await breaker.state();
      const holdOff = breaker.holdOffMs(state);
      if (holdOff > 0) {
        if (this.stopping) return 'stopped';
        await beforeBackoff();
        await this.idle(holdOff, false);
        continue;
      }
      const result = await this.attempts.attempt(event, queuedAt, state, this.inFlight.signal);
      if (result.delivered) return 'done';
      if ('aborted' in result) return 'stopped';
      if (result.deadLetter) {
        // No Redis, so no failed set to keep it in: the log line carries the whole event.
        logger.error({ endpoint: endpoint.name, event }, `notification dead-lettered: ${result.reason}`);
        return 'done';
      }
      if (this.stopping) return 'stopped';
    }
  }

  /** Records the position; a failed write is logged, and the next commit writes a later one. */
  private async commit(position: SpoolPosition): Promise<void> {
    try {
      await this.options.spool.commit(position, this.consumer);
    } catch (err) {
      this.options.logger.error({ err, endpoint: this.options.endpoint.name }, 'endpoint delivery: cannot record its spool position');
    }
  }

  /** Runs a spool operation until it succeeds (a local disk error is retried), or undefined when stopping. */
  private async retryLocal<T>(operation: () => Promise<T>): Promise<T | undefined> {
    for (;;) {
      try {
        return await operation();
      } catch (err) {
        this.options.logger.error({ err, endpoint: this.options.endpoint.name }, 'endpoint delivery: cannot read the spool');
        if (this.stopping) return undefined;
        await this.idle(RETRY_LOCAL_MS, false);
      }
    }
  }

  /** Waits `ms`; new events end it early only when `onAppend` (never a backoff); stop always does. */
  private async idle(ms: number, onAppend: boolean): Promise<void> {
    if (!this.stopping) await this.pause.wait(ms, onAppend);
  }
}
