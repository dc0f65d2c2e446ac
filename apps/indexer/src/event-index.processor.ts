import type { RegistryEvent } from '@wharf/events';
import type { Logger } from '@wharf/observability';
import type { FailureKind, JobBatcher } from '@wharf/queue';
import { isTransientSearchError, SearchError, toEventDocument, type EventDocument } from '@wharf/search';
import { BulkItemError } from './bulk-item.error.js';

/**
 * Jobs in flight at once. Each waits for its bulk request, so this is what lets batches fill:
 * two batches of INDEXER_BATCH_SIZE (one being written, one filling) plus slack.
 */
export const INDEXER_CONCURRENCY = 1_000;

/** Indexes one registry event per job, through the shared batcher (one `_bulk` for many jobs). */
export class EventIndexProcessor {
  constructor(
    private readonly batcher: JobBatcher<EventDocument>,
    private readonly logger: Logger,
  ) {}

  async process(event: RegistryEvent, jobId: string | undefined): Promise<void> {
    let doc: EventDocument;
    try {
      doc = toEventDocument(event);
    } catch (err) {
      if (err instanceof SearchError && err.code === 'INVALID_EVENT') this.logger.error({ jobId, reason: err.message }, 'indexer: job is not an indexable registry event');
      throw err;
    }
    try {
      await this.batcher.add(doc);
    } catch (err) {
      if (!(err instanceof BulkItemError && err.permanent)) throw err;
      this.logger.error({ eventId: doc.id, jobId, reason: err.message }, 'indexer: elasticsearch refused the event');
      throw new BulkItemError(`elasticsearch refused event ${doc.id}: ${err.message}`, true);
    }
  }
}

/**
 * A payload that is not an event, or a document Elasticsearch refuses with 400 (mapping), fails for
 * good; Elasticsearch unreachable, or refusing an item for a passing reason (429, shard not ready),
 * is the downstream being unavailable: the queue pauses and the job waits, spending no attempt.
 */
export function classifyIndexingFailure(err: unknown): FailureKind | undefined {
  if (err instanceof SearchError && err.code === 'INVALID_EVENT') return 'permanent';
  if (err instanceof BulkItemError) return err.permanent ? 'permanent' : 'unavailable';
  return isTransientSearchError(err) ? 'unavailable' : undefined;
}
