import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, type WharfConfig } from '@wharf/config';
import { QUEUE_PREFIX } from '@wharf/events';
import type { Logger, RunningRole } from '@wharf/observability';
import { closeConnection, createRedisConnection } from '@wharf/queue';
import {
  assertIndexPrefix,
  createSearchClient,
  EventBulkWriter,
  EventIndexAdmin,
  isTransientSearchError,
  type EventDocument,
} from '@wharf/search';
import { BulkBatcher } from './bulk-batcher.js';
import { startEventRetention } from './event-retention.job.js';
import { IndexerModule } from './indexer.module.js';

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
 * start or at any time after: the template is (re)installed before the first write and writes wait
 * for it to come back. Needs the `redis:` and `elasticsearch:` sections.
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

  // the batcher owns retries: the client must report an outage at once rather than retry itself
  const client = createSearchClient(config.elasticsearch, { maxRetries: 0 });
  const admin = new EventIndexAdmin(client, prefix);
  const writer = new EventBulkWriter(client, prefix);
  let templateReady = false;
  const ensureTemplate = async (): Promise<void> => {
    await admin.ensure();
    templateReady = true;
    log.info({ prefix }, 'indexer: events index template installed');
  };
  const batcher = new BulkBatcher<EventDocument>(
    {
      async write(docs) {
        // no document may create an index before the template that maps it exists
        if (!templateReady) await ensureTemplate();
        return writer.write(docs);
      },
    },
    {
      maxBatch: INDEXER_BATCH_SIZE,
      lingerMs: INDEXER_LINGER_MS,
      maxInFlight: 2,
      retryInitialMs: 100,
      retryMaxMs: 5_000,
      isRetryable: isTransientSearchError,
      onRetry: (err, attempt, delayMs, items) => {
        const fields = { err: (err as Error).message, attempt, delayMs, items };
        if (attempt === 1 || attempt % 20 === 0) log.warn(fields, 'indexer: elasticsearch unavailable, holding the batch');
        else log.debug(fields, 'indexer: elasticsearch still unavailable');
      },
      onRecovered: (attempts, items) => log.info({ attempts, items }, 'indexer: elasticsearch is back, batch written'),
    },
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
  const app = await NestFactory.createApplicationContext(IndexerModule.forRoot({ connection, prefix: options.prefix ?? QUEUE_PREFIX, batcher, logger: log }), { logger: false });
  await app.init();
  log.info({ prefix, queuePrefix: options.prefix ?? QUEUE_PREFIX }, 'indexer started');

  return {
    name: 'indexer',
    async stop() {
      // order matters: stop holding batches first, or closing the worker would wait out an outage
      clearInterval(monthly);
      batcher.drain();
      await app.close();
      await batcher.close();
      await retention?.stop();
      await client.close();
      await closeConnection(connection);
      log.info('indexer stopped');
    },
  };
}
