import { isTransientDatabaseError } from '@wharf/db';
import type { FailureKind } from '@wharf/queue';
import { InvalidEventError } from './invalid-event.error.js';

/**
 * Worker settings of the counter's queue. Many jobs in flight at once is what lets the service
 * batch them into one transaction. A short lock means a SIGKILLed worker's jobs are taken over within
 * ~15 s; tolerating several stalls keeps repeated crashes from failing a job (the event-id dedupe
 * makes the rerun safe).
 */
export const COUNTER_CONCURRENCY = 200;
export const COUNTER_WORKER_OPTIONS = { lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 20 } as const;

/** A malformed event never counts (it fails at once); PostgreSQL unreachable is the downstream being down. */
export function classifyCountingFailure(error: unknown): FailureKind | undefined {
  if (error instanceof InvalidEventError) return 'permanent';
  return isTransientDatabaseError(error) ? 'unavailable' : undefined;
}
