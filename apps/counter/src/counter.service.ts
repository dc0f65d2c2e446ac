import { isTransientDatabaseError } from '@wharf/db';
import type { RegistryEvent } from '@wharf/events';
import { JobBatcher } from '@wharf/queue';
import type { CounterStore } from './counter.store.js';
import type { CountingPolicy } from './counting-policy.js';
import type { CountableRequest } from './download-rule.js';

export interface CounterServiceOptions {
  /** Most events per transaction. */
  maxBatch: number;
  /** Transactions in flight at once. */
  parallel: number;
}

export const DEFAULT_COUNTER_SERVICE_OPTIONS: CounterServiceOptions = { maxBatch: 200, parallel: 1 };

export type CountOutcome = 'recorded' | 'ignored';

/**
 * Counts events: the policy says whether an event may count, the store applies the download rule
 * exactly once, and the events of the jobs running at once go in one transaction (a group commit).
 * A database that is unreachable fails the batch with that error: the consumer pauses the queue
 * and the jobs wait there (counted-events.consumer.ts), so an outage loses and doubles nothing.
 */
export class CounterService {
  private readonly batcher: JobBatcher<CountableRequest>;

  constructor(
    private readonly policy: CountingPolicy,
    store: CounterStore,
    options: CounterServiceOptions = DEFAULT_COUNTER_SERVICE_OPTIONS,
  ) {
    this.batcher = new JobBatcher((batch) => store.record(batch), {
      maxBatch: options.maxBatch,
      lingerMs: 0,
      maxInFlight: options.parallel,
      // one bad event fails alone; an unreachable database would fail every event the same way
      isolate: (error) => !isTransientDatabaseError(error),
    });
  }

  /** Throws InvalidEventError for a malformed event, the store's error when the transaction failed. */
  async count(event: RegistryEvent): Promise<CountOutcome> {
    const request = this.policy.classify(event);
    if (request === undefined) return 'ignored';
    await this.batcher.add(request);
    return 'recorded';
  }
}
