import { ConfigError, type WharfConfig } from '@wharf/config';
import { InternalConsumer, internalQueueName, type RegistryEvent } from '@wharf/events';
import type { Logger, RunningRole } from '@wharf/observability';
import { closeConnection, createRedisConnection, JobBatcher, QueueConsumer, queuePrefix } from '@wharf/queue';
import {
  assertIndexPrefix,
  createSearchClient,
  EventBulkWriter,
  EventIndexAdmin,
  isTransientSearchError,
  type BulkItemOutcome,
  type EventDocument,
} from '@wharf/search';
import { BulkItemError } from './bulk-item.error.js';
import { classifyIndexingFailure, EventIndexProcessor, INDEXER_CONCURRENCY } from './event-index.processor.js';
import { startEventRetention } from './event-retention.job.js';

/** Documents per `_bulk` request: a few hundred KB, well inside Elasticsearch's comfort zone. */
export const INDEXER_BATCH_SIZE = 500;
/** How long the first event of a batch may wait for company: the indexing lag at low rates. */
export const INDEXER_LINGER_MS = 50;
const MONTH_INDEX_CHECK_MS = 6 * 3_600_000;

export interface IndexerOptions {
  /** Redis key prefix of the queue; QUEUE_PREFIX unless a test isolates itself. */
  prefix?: string;
}

/**
 * Starts the indexer role: every event on the indexer queue becomes a document in Elasticsearch
 * (`_id` = event id, so redelivery overwrites rather than duplicates). Elasticsearch may be down at
 * start or at any time after: the template is (re)installed before the first write, and while it is
 * down the queue pauses (QueueConsumer) and events wait in Redis. Needs `redis:` and `elasticsearch:`.
 */
export async function start(config: WharfConfig, logger: Logger, options: IndexerOptions = {}): Promise<RunningRole> {
  const missing = [
    ...(config.redis ? [] : [{ path: 'redis', message: 'required by the indexer role (its queue lives in Redis)' }]),
    ...(config.elasticsearch ? [] : [{ path: 'elasticsearch', message: 'required by the indexer role' }]),
  ];
  if (!config.redis || !config.elasticsearch) throw new ConfigError(missing);
  const prefix = config.elasticsearch.indexPrefix;
  assertIndexPrefix(prefix);
  const log = logger.child({ role: 'indexer' });

  // the queue's pause is the retry: the client reports an outage at once rather than retry itself
  const client = createSearchClient(config.elasticsearch, { maxRetries: 0 });
  const admin = new EventIndexAdmin(client, prefix);
  const writer = new EventBulkWriter(client, prefix);
  let templateReady = false;
  const ensureTemplate = async (): Promise<void> => {
    await admin.ensure();
    templateReady = true;
    log.info({ prefix }, 'indexer: events index template installed');
  };
  const batcher = new JobBatcher<EventDocument>(
    async (docs) => {
      // no document may create an index before the template that maps it exists
      if (!templateReady) await ensureTemplate();
      const outcomes = await writer.write(docs);
      return docs.map((_, i) => itemFailure(outcomes[i]));
    },
    { maxBatch: INDEXER_BATCH_SIZE, lingerMs: INDEXER_LINGER_MS, maxInFlight: 2 },
  );

  try {
    await ensureTemplate();
  } catch (err) {
    if (!isTransientSearchError(err)) {
      await client.close();
      throw err;
    }
    log.warn({ err: (err as Error).message }, 'indexer: elasticsearch unavailable at start; the template is installed before the first write');
  }

  // next month's index is made ahead of its first event (see EventIndexAdmin.ensureMonthIndices)
  const monthly = setInterval(() => {
    admin.ensureMonthIndices().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'indexer: could not create the month indices ahead'));
  }, MONTH_INDEX_CHECK_MS);
  monthly.unref();
  const retention = startEventRetention(client, config.elasticsearch, log);

  const connection = createRedisConnection(config.redis, 'worker');
  // ioredis reconnects by itself; the event only says so
  connection.on('error', (err: Error) => log.debug({ err: err.message }, 'indexer: redis connection error'));
  const processor = new EventIndexProcessor(batcher, log);
  const consumer = new QueueConsumer<RegistryEvent>({
    name: 'indexer',
    queue: internalQueueName(InternalConsumer.Indexer),
    connection,
    prefix: options.prefix ?? queuePrefix(config.redis),
    logger: log,
    concurrency: INDEXER_CONCURRENCY,
    handle: (job) => processor.process(job.data, job.id),
    classify: classifyIndexingFailure,
    // a job whose worker died goes back to the queue; only a job that kills workers repeatedly fails
    worker: { maxStalledCount: 10 },
  });
  consumer.start();
  log.info({ prefix, queuePrefix: options.prefix ?? queuePrefix(config.redis) }, 'indexer started');

  return {
    name: 'indexer',
    async stop() {
      clearInterval(monthly);
      // jobs in flight wait for their batch, which is written (or fails and hands them back) first
      await consumer.close();
      await batcher.close();
      await retention?.stop();
      await client.close();
      await closeConnection(connection);
      log.info('indexer stopped');
    },
  };
}

function itemFailure(outcome: BulkItemOutcome | undefined): BulkItemError | undefined {
  if (outcome === undefined) return new BulkItemError('the bulk response has no result for this document', false);
  return outcome.ok ? undefined : new BulkItemError(outcome.reason, outcome.permanent);
}
