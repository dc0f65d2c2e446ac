import { ConfigError, type WharfConfig } from '@wharf/config';
import { acquireDataSource, WebhookSecretCipher } from '@wharf/db';
import { InternalConsumer, internalQueueName, type RegistryEvent } from '@wharf/events';
import type { Logger, RunningRole } from '@wharf/observability';
import { closeConnection, createRedisConnection, QueueConsumer, queuePrefix } from '@wharf/queue';
import { classifyCountingFailure, COUNTER_CONCURRENCY, COUNTER_WORKER_OPTIONS } from './counted-events.consumer.js';
import { CounterService, DEFAULT_COUNTER_SERVICE_OPTIONS, type CountOutcome } from './counter.service.js';
import { CountingPolicy } from './counting-policy.js';
import { PostgresCounterStore } from './postgres-counter.store.js';

export { DOWNLOAD_RULE_WINDOW_MS } from './download-rule.js';

/**
 * Processed event ids are kept this long: an event redelivered later than that (a replay of old
 * history into the counter) would count again. Blob GETs and uncounted HEADs only matter within
 * a minute of a pull and are kept a day. Rows are pruned hourly.
 */
export const PROCESSED_EVENT_RETENTION_DAYS = 30;
export const TRANSIENT_EVENT_RETENTION_DAYS = 1;
const PRUNE_INTERVAL_MS = 3_600_000;

export interface CounterStartOptions {
  /** Redis key prefix of the queues; tests use their own. Default `wharf`. */
  prefix?: string;
  /** Most events per transaction (default 200); 1 turns batching off, for measurements. */
  maxBatch?: number;
  /** Transactions in flight at once (default 1: measured no faster with more on 2 cores), for measurements. */
  parallel?: number;
}

/**
 * Starts the counter role: migrates the database, then consumes `events.counter` and keeps the
 * download and push counters (the rule: download-rule.ts). Needs `redis:` and `database:`.
 */
export async function start(config: WharfConfig, logger: Logger, options: CounterStartOptions = {}): Promise<RunningRole> {
  if (config.redis === undefined) throw new ConfigError([{ path: 'redis', message: 'required by the counter role' }]);
  if (config.database === undefined) throw new ConfigError([{ path: 'database', message: 'required by the counter role' }]);
  const log = logger.child({ role: 'counter' });

  // the pool migrates every table, so it carries the webhook secrets' key for the migration that needs it
  const lease = await acquireDataSource(config.database, { applicationName: 'wharf-counter', log, webhookSecrets: WebhookSecretCipher.fromConfig(config) });
  const store = new PostgresCounterStore(lease.dataSource);
  const service = new CounterService(new CountingPolicy(config.counters), store, {
    ...DEFAULT_COUNTER_SERVICE_OPTIONS,
    ...(options.maxBatch === undefined ? {} : { maxBatch: options.maxBatch }),
    ...(options.parallel === undefined ? {} : { parallel: options.parallel }),
  });
  const connection = createRedisConnection(config.redis, 'worker');
  connection.on('error', (err) => log.debug({ err }, 'redis connection error'));

  // one job per registry event (job id `<event id>.counter`)
  const consumer = new QueueConsumer<RegistryEvent, CountOutcome>({
    name: 'counter',
    queue: internalQueueName(InternalConsumer.Counter),
    connection,
    prefix: options.prefix ?? queuePrefix(config.redis),
    logger: log,
    concurrency: COUNTER_CONCURRENCY,
    handle: (job) => service.count(job.data),
    classify: classifyCountingFailure,
    worker: COUNTER_WORKER_OPTIONS,
  });
  consumer.start();

  const prune = async (): Promise<void> => {
    try {
      const before = new Date(Date.now() - PROCESSED_EVENT_RETENTION_DAYS * 86_400_000);
      const transientBefore = new Date(Date.now() - TRANSIENT_EVENT_RETENTION_DAYS * 86_400_000);
      const removed = await store.forgetProcessedBefore(before, transientBefore);
      if (removed > 0) log.info({ removed }, 'forgot old processed event ids');
    } catch (err) {
      log.warn({ err }, 'pruning processed event ids failed; will retry');
    }
  };
  void prune();
  const pruner = setInterval(() => void prune(), PRUNE_INTERVAL_MS);
  pruner.unref();
  log.info({ countHead: config.counters.countHead }, 'counter started');

  return {
    name: 'counter',
    stop: async () => {
      clearInterval(pruner);
      await consumer.close(); // in-flight jobs finish first: their transaction commits, or they go back
      await closeConnection(connection);
      await lease.release();
    },
  };
}
