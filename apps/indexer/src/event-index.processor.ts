import { Inject } from '@nestjs/common';
import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, UnrecoverableError, type Job, type Queue } from 'bullmq';
import { InternalConsumer, internalQueueName, type RegistryEvent } from '@wharf/events';
import type { Logger } from '@wharf/observability';
import { SearchError, toEventDocument, type EventDocument } from '@wharf/search';
import type { BulkBatcher } from './bulk-batcher.js';
import { BulkItemError } from './bulk-item.error.js';
import { EVENT_BATCHER, LOGGER } from './indexer.tokens.js';
import { retryDelayMs } from './retry-delay.js';

/**
 * Jobs in flight at once. Each waits for its bulk request, so this is what lets batches fill:
 * two batches of INDEXER_BATCH_SIZE (one being written, one filling) plus slack.
 */
export const INDEXER_CONCURRENCY = 1_000;
/** Backoff of one job whose document Elasticsearch refused for a passing reason (429, shard not ready). */
const JOB_RETRY_INITIAL_MS = 1_000;
const JOB_RETRY_MAX_MS = 60_000;

/**
 * Indexes one registry event per job, through the shared batcher (one `_bulk` for many jobs).
 *
 * Failures: a payload that is not an event, or a document Elasticsearch rejects with 400 (mapping),
 * fails for good (UnrecoverableError → the failed set, visible and redeliverable). Anything passing
 * reschedules the job with capped exponential backoff *without spending an attempt*, so however the
 * producer set `attempts`, an outage never exhausts them and no event is dropped.
 */
@Processor(internalQueueName(InternalConsumer.Indexer), {
  concurrency: INDEXER_CONCURRENCY,
  // a job whose worker died goes back to the queue; only a job that kills workers repeatedly fails
  maxStalledCount: 10,
  // completed jobs are only bookkeeping: the document is in Elasticsearch; keep Redis small
  removeOnComplete: { count: 1_000 },
})
export class EventIndexProcessor extends WorkerHost {
  constructor(
    @Inject(EVENT_BATCHER) private readonly batcher: BulkBatcher<EventDocument>,
    @Inject(LOGGER) private readonly logger: Logger,
    @InjectQueue(internalQueueName(InternalConsumer.Indexer)) queue: Queue,
  ) {
    super();
    // the queue handle registerQueue creates reports Redis outages too; unheard, BullMQ prints them raw
    queue.on('error', (err: Error) => this.logger.debug({ err: err.message }, 'indexer: queue connection error'));
  }

  /** Redis going away is reported here (the worker reconnects by itself); unheard, it would crash the process. */
  @OnWorkerEvent('error')
  onError(err: Error): void {
    this.logger.warn({ err: err.message }, 'indexer: queue worker error');
  }

  async process(job: Job<RegistryEvent>, token?: string): Promise<void> {
    let doc: EventDocument;
    try {
      doc = toEventDocument(job.data);
    } catch (err) {
      if (err instanceof SearchError && err.code === 'INVALID_EVENT') {
        this.logger.error({ jobId: job.id, reason: err.message }, 'indexer: job is not an indexable registry event');
        throw new UnrecoverableError(err.message);
      }
      throw err;
    }
    try {
      await this.batcher.add(doc);
    } catch (err) {
      if (err instanceof BulkItemError && err.permanent) {
        this.logger.error({ eventId: doc.id, jobId: job.id, reason: err.message }, 'indexer: elasticsearch refused the event');
        throw new UnrecoverableError(`elasticsearch refused event ${doc.id}: ${err.message}`);
      }
      if (token === undefined) throw err;
      const delay = retryDelayMs(job.attemptsStarted, JOB_RETRY_INITIAL_MS, JOB_RETRY_MAX_MS);
      this.logger.debug({ eventId: doc.id, delay, reason: (err as Error).message }, 'indexer: event not indexed yet, retrying later');
      await job.moveToDelayed(Date.now() + delay, token);
      throw new DelayedError();
    }
  }
}
