import { setTimeout as sleep } from 'node:timers/promises';
import { isTransientDatabaseError } from '@wharf/db';
import type { RegistryEvent } from '@wharf/events';
import type { Logger } from '@wharf/observability';
import type { CounterStore } from './counter.store.js';
import type { CountingPolicy } from './counting-policy.js';
import type { CountableRequest } from './download-rule.js';
import { EventBatcher } from './event-batcher.js';
import { ShutdownError } from './shutdown.error.js';

export interface CounterServiceOptions {
  /** Most events per transaction. */
  maxBatch: number;
  /** Transactions in flight at once. */
  parallel: number;
  /** Backoff while the database is unreachable: starts at minRetryMs, doubles up to maxRetryMs. */
  minRetryMs: number;
  maxRetryMs: number;
}

export const DEFAULT_COUNTER_SERVICE_OPTIONS: CounterServiceOptions = { maxBatch: 200, parallel: 1, minRetryMs: 200, maxRetryMs: 5_000 };

export type CountOutcome = 'recorded' | 'ignored';

/**
 * Counts events: the policy says whether an event may count, the store applies the download rule
 * exactly once. While PostgreSQL is unreachable the batch is retried here, without limit and
 * without consuming the job's attempts, so an outage of any length loses and doubles nothing;
 * only when the role stops during an outage do jobs go back to the queue (ShutdownError).
 */
export class CounterService {
  private readonly batcher: EventBatcher<CountableRequest>;
  private readonly stopping = new AbortController();
  private outageSince: number | undefined;

  constructor(
    private readonly policy: CountingPolicy,
    private readonly store: CounterStore,
    private readonly logger: Logger,
    private readonly options: CounterServiceOptions = DEFAULT_COUNTER_SERVICE_OPTIONS,
  ) {
    this.batcher = new EventBatcher((batch) => this.writeWithRetry(batch), {
      maxBatch: options.maxBatch,
      parallel: options.parallel,
      isolate: (error) => !(error instanceof ShutdownError) && !isTransientDatabaseError(error),
    });
  }

  /** Throws InvalidEventError for a malformed event, ShutdownError when stopping during an outage. */
  async count(event: RegistryEvent): Promise<CountOutcome> {
    const request = this.policy.classify(event);
    if (request === undefined) return 'ignored';
    await this.batcher.submit(request);
    return 'recorded';
  }

  /** Stop waiting for the database: pending retries give their jobs back. */
  beginShutdown(): void {
    this.stopping.abort();
  }

  private async writeWithRetry(batch: CountableRequest[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.store.record(batch);
        if (this.outageSince !== undefined) {
          this.logger.info({ downMs: Date.now() - this.outageSince }, 'counter database reachable again');
          this.outageSince = undefined;
        }
        return;
      } catch (error) {
        if (!isTransientDatabaseError(error)) throw error;
        if (this.stopping.signal.aborted) throw new ShutdownError(error);
        if (this.outageSince === undefined) {
          this.outageSince = Date.now();
          this.logger.warn({ err: error }, 'counter database unreachable; holding events and retrying');
        }
        const delay = Math.min(this.options.minRetryMs * 2 ** Math.min(attempt, 16), this.options.maxRetryMs);
        try {
          await sleep(delay, undefined, { signal: this.stopping.signal });
        } catch {
          throw new ShutdownError(error);
        }
      }
    }
  }
}
