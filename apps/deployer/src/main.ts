import { ConfigError, type WharfConfig } from '@wharf/config';
import {
  acquireDataSource,
  isTransientDatabaseError,
  WEBHOOK_DELIVERIES_QUEUE,
  WebhookDeliveriesRepository,
  WebhookSubscriptionsRepository,
  type WebhookDeliveryJob,
} from '@wharf/db';
import { InternalConsumer, internalQueueName, QUEUE_PREFIX, type RegistryEvent } from '@wharf/events';
import type { Logger, RunningRole } from '@wharf/observability';
import { closeConnection, createRedisConnection } from '@wharf/queue';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { DeliveryFailedError } from './delivery-failed.error.js';
import { startDeliveryRetention } from './delivery-retention.job.js';
import { EventRouterProcessor } from './event-router.processor.js';
import { HttpWebhookTransport } from './http-webhook.transport.js';
import { PayloadRenderer } from './payload.renderer.js';
import { retryDelayMs } from './retry-backoff.js';
import { SubscriptionCache } from './subscription.cache.js';
import { WebhookDeliveryProcessor } from './webhook-delivery.processor.js';
import type { WebhookTransport } from './webhook.transport.js';

export { signWebhook, verifyWebhookSignature } from './webhook-signature.js';

/** While PostgreSQL is unreachable the workers pause this long between tries, burning no attempts. */
const DATABASE_DOWN_PAUSE_MS = 5_000;
/** Events routed at once: routing is a cached match and one Redis round trip. */
const ROUTER_CONCURRENCY = 8;

export interface DeployerOptions {
  /** Redis key prefix; QUEUE_PREFIX unless a test isolates itself. */
  prefix?: string;
  /** The outbound HTTP port; fetch by default. */
  transport?: WebhookTransport;
}

/** Starts the deployer role. */
export async function start(config: WharfConfig, logger: Logger): Promise<RunningRole> {
  return startDeployer(config, logger);
}

/**
 * The deployer: routes registry events (queue `events.deployer`) to matching webhook subscriptions
 * and delivers them (queue `webhooks.deliveries`): signed POSTs, retried with backoff, every
 * attempt logged in PostgreSQL. The workers are plain BullMQ Workers built here rather than
 * @nestjs/bullmq processors: their options (concurrency, backoff, timeouts) come from the
 * configuration, which decorators would have to read at import time.
 */
export async function startDeployer(config: WharfConfig, logger: Logger, options: DeployerOptions = {}): Promise<RunningRole> {
  if (config.redis === undefined || config.database === undefined) {
    throw new ConfigError([
      ...(config.redis === undefined ? [{ path: 'redis', message: 'required by the deployer role (its queues live in Redis)' }] : []),
      ...(config.database === undefined ? [{ path: 'database', message: 'required by the deployer role (subscriptions and deliveries live in PostgreSQL)' }] : []),
    ]);
  }
  const log = logger.child({ role: 'deployer' });
  const prefix = options.prefix ?? QUEUE_PREFIX;
  const settings = config.webhooks;

  const lease = await acquireDataSource(config.database, { applicationName: 'wharf-deployer', log });
  const subscriptions = new WebhookSubscriptionsRepository(lease.dataSource);
  const deliveries = new WebhookDeliveriesRepository(lease.dataSource);

  const connection = createRedisConnection(config.redis, 'worker');
  const deliveryQueue = new Queue<WebhookDeliveryJob>(WEBHOOK_DELIVERIES_QUEUE, { connection, prefix });
  deliveryQueue.on('error', (err) => log.warn({ err }, 'webhook delivery queue: redis error'));

  const router = new EventRouterProcessor(new SubscriptionCache(subscriptions, settings.subscriptionCacheMs, log), deliveryQueue, settings, log);
  const processor = new WebhookDeliveryProcessor(
    subscriptions,
    deliveries,
    new PayloadRenderer(),
    options.transport ?? new HttpWebhookTransport(),
    settings,
    log,
  );

  // a job must not be declared stalled while its POST is still within the timeout
  const lockDuration = Math.max(30_000, settings.timeoutMs * 2 + 10_000);

  const routerWorker: Worker<RegistryEvent> = new Worker<RegistryEvent>(
    internalQueueName(InternalConsumer.Deployer),
    async (job: Job<RegistryEvent>) => {
      if (!isRegistryEvent(job.data)) throw new UnrecoverableError('job data is not a registry event');
      return pauseWhileDatabaseDown(routerWorker, () => router.process(job.data));
    },
    { connection, prefix, concurrency: ROUTER_CONCURRENCY, lockDuration },
  );
  const deliveryWorker: Worker<WebhookDeliveryJob> = new Worker<WebhookDeliveryJob>(
    WEBHOOK_DELIVERIES_QUEUE,
    async (job: Job<WebhookDeliveryJob>) =>
      pauseWhileDatabaseDown(deliveryWorker, () => processor.process({ data: job.data, attemptsMade: job.attemptsMade, attempts: job.opts.attempts ?? 1 })),
    {
      connection,
      prefix,
      concurrency: settings.concurrency,
      lockDuration,
      settings: {
        // the processor chose (and logged) the wait; anything else retried gets the same schedule
        backoffStrategy: (attemptsMade, _type, err) => (err instanceof DeliveryFailedError ? err.retryDelayMs : retryDelayMs(attemptsMade, settings)),
      },
    },
  );
  for (const [name, worker] of [['router', routerWorker], ['delivery', deliveryWorker]] as const) {
    worker.on('error', (err) => log.warn({ err, worker: name }, 'deployer worker error'));
  }
  deliveryWorker.on('failed', (job, err) => {
    if (job !== undefined && !(err instanceof DeliveryFailedError) && !(err instanceof UnrecoverableError) && err.name !== 'RateLimitError') {
      log.error({ err, jobId: job.id, subscription: job.data.subscriptionId }, 'webhook delivery job failed unexpectedly');
    }
  });
  await Promise.all([routerWorker.waitUntilReady(), deliveryWorker.waitUntilReady()]);
  const retention = startDeliveryRetention(lease.dataSource, settings.deliveryRetention, log);
  log.info({ prefix, concurrency: settings.concurrency, maxAttempts: settings.maxAttempts, timeoutMs: settings.timeoutMs }, 'deployer started');

  return {
    name: 'deployer',
    stop: async () => {
      // close() lets in-flight deliveries finish (each bounded by webhooks.timeout)
      await Promise.allSettled([routerWorker.close(), deliveryWorker.close()]);
      await retention?.stop();
      await deliveryQueue.close().catch(() => undefined);
      await closeConnection(connection);
      await lease.release();
      log.info('deployer stopped');
    },
  };
}

/**
 * PostgreSQL being down is no fault of the job: instead of spending one of its attempts, the
 * worker pauses and the job goes back to wait (BullMQ's rate-limit mechanism).
 */
async function pauseWhileDatabaseDown<T>(worker: Worker, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isTransientDatabaseError(error)) throw error;
    await worker.rateLimit(DATABASE_DOWN_PAUSE_MS);
    throw Worker.RateLimitError();
  }
}

function isRegistryEvent(data: unknown): data is RegistryEvent {
  const event = data as Partial<RegistryEvent> | null;
  return (
    typeof event === 'object' &&
    event !== null &&
    typeof event.id === 'string' &&
    typeof event.action === 'string' &&
    typeof event.target?.repository === 'string' &&
    typeof event.request === 'object' &&
    typeof event.actor === 'object' &&
    typeof event.source === 'object'
  );
}
