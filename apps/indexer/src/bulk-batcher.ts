import type { BulkItemOutcome } from '@wharf/search';
import { BulkItemError } from './bulk-item.error.js';
import { retryDelayMs } from './retry-delay.js';

/** Where batches go: one outcome per item, in order; throws when the request as a whole failed. */
export interface BulkSink<T> {
  write(items: readonly T[]): Promise<BulkItemOutcome[]>;
}

export interface BulkBatcherOptions {
  /** A batch is sent as soon as it holds this many items… */
  maxBatch: number;
  /** …or when its oldest item has waited this long. */
  lingerMs: number;
  /** Batches being written at once; more wait (so do their callers) — the back-pressure. */
  maxInFlight: number;
  /** Backoff between attempts of a batch whose request failed transiently. */
  retryInitialMs: number;
  retryMaxMs: number;
  /** Whether a failed request is worth holding the batch and trying again (outage, overload). */
  isRetryable(err: unknown): boolean;
  onRetry?(err: unknown, attempt: number, delayMs: number, items: number): void;
  onRecovered?(attempts: number, items: number): void;
}

interface Entry<T> {
  readonly item: T;
  readonly resolve: () => void;
  readonly reject: (err: BulkItemError) => void;
}

/**
 * Turns many concurrent single-item writes into few bulk requests. `add` resolves only once its
 * item is in a successful bulk response, so a queue job awaiting it completes only when its
 * document is stored.
 *
 * While the sink is down the batch in flight is held and retried with capped backoff instead of
 * failing: its callers keep waiting, the worker's concurrency slots stay full and it stops taking
 * jobs, so an outage of any length leaves the backlog untouched in the queue (rather than cycling
 * every job through retries). `drain()` ends the holding, for shutdown: held and later items then
 * fail as retryable and their jobs go back to the queue.
 */
export class BulkBatcher<T> {
  private pending: Entry<T>[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The oldest pending item has waited lingerMs: send even a partial batch. */
  private due = false;
  private inFlight = 0;
  private draining = false;
  private readonly sleepers = new Set<() => void>();
  private readonly idleWaiters: (() => void)[] = [];

  constructor(
    private readonly sink: BulkSink<T>,
    private readonly options: BulkBatcherOptions,
  ) {}

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.pump();
    });
  }

  /** Stop holding batches through an outage and send whatever is pending right away. */
  drain(): void {
    this.draining = true;
    for (const wake of this.sleepers) wake();
    this.pump();
  }

  /** Drains and resolves once nothing is pending or in flight. */
  async close(): Promise<void> {
    this.drain();
    if (this.inFlight === 0 && this.pending.length === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    const { maxBatch, maxInFlight, lingerMs } = this.options;
    while (this.inFlight < maxInFlight && this.pending.length > 0 && (this.pending.length >= maxBatch || this.due || this.draining)) {
      const batch = this.pending.splice(0, maxBatch);
      this.due = false;
      this.inFlight++;
      void this.send(batch).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.inFlight === 0 && this.pending.length === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
      });
    }
    if (this.pending.length === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
    } else if (this.timer === undefined && !this.due) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.due = true;
        this.pump();
      }, lingerMs);
    }
  }

  private async send(batch: Entry<T>[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      let outcomes: BulkItemOutcome[];
      try {
        outcomes = await this.sink.write(batch.map((e) => e.item));
      } catch (err) {
        if (this.draining || !this.options.isRetryable(err)) {
          const failure = new BulkItemError(`bulk write failed: ${(err as Error).message}`, false, { cause: err });
          for (const e of batch) e.reject(failure);
          return;
        }
        const delay = retryDelayMs(attempt, this.options.retryInitialMs, this.options.retryMaxMs);
        this.options.onRetry?.(err, attempt, delay, batch.length);
        await this.sleep(delay);
        continue;
      }
      if (attempt > 1) this.options.onRecovered?.(attempt, batch.length);
      batch.forEach((e, i) => {
        const outcome = outcomes[i];
        if (outcome === undefined) e.reject(new BulkItemError('the sink returned no outcome for this item', false));
        else if (outcome.ok) e.resolve();
        else e.reject(new BulkItemError(outcome.reason, outcome.permanent));
      });
      return;
    }
  }

  /** A backoff pause that drain() cuts short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}
