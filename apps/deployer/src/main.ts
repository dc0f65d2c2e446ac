import { ConfigError, type WharfConfig } from '@wharf/config';
import {
  acquireDataSource,
  isTransientDatabaseError,
  WEBHOOK_DELIVERIES_QUEUE,
  WebhookDeliveriesRepository,
  WebhookSecretCipher,
  WebhookSubscriptionsRepository,
  type WebhookDeliveryJob,
} from '@wharf/db';
import { InternalConsumer, internalQueueName, type RegistryEvent } from '@wharf/events';
import type { Logger, RunningRole } from '@wharf/observability';
import { closeConnection, createRedisConnection, QueueConsumer, retryDelayMs, type FailureKind, queuePrefix } from '@wharf/queue';
import { Queue, UnrecoverableError } from 'bullmq';
import { DeliveryFailedError } from './delivery-failed.error.js';
import { startDeliveryRetention } from './delivery-retention.job.js';
import { EventRouterProcessor } from './event-router.processor.js';
import { HttpWebhookTransport } from './http-webhook.transport.js';
import { PayloadRenderer } from './payload.renderer.js';
import { SubscriptionCache } from './subscription.cache.js';
import { deliveryBackoff, WebhookDeliveryProcessor, type DeliveryOutcome } from './webhook-delivery.processor.js';
import type { WebhookTransport } from './webhook.transport.js';

export { signWebhook, verifyWebhookSignature } from './webhook-signature.js';

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
 * attempt logged in PostgreSQL. Both queues are consumed the one way (QueueConsumer): PostgreSQL
 * unreachable pauses the queue and spends no attempt; a failed POST is retried on the schedule the
 * processor chose and logged.
 */
export async function startDeployer(config: WharfConfig, logger: Logger, options: DeployerOptions = {}): Promise<RunningRole> {
  if (config.redis === undefined || config.database === undefined) {
    throw new ConfigError([
      ...(config.redis === undefined ? [{ path: 'redis', message: 'required by the deployer role (its queues live in Redis)' }] : []),
      ...(config.database === undefined ? [{ path: 'database', message: 'required by the deployer role (subscriptions and deliveries live in PostgreSQL)' }] : []),
    ]);
  }
  const log = logger.child({ role: 'deployer' });
  const prefix = options.prefix ?? queuePrefix(config.redis);
  const settings = config.webhooks;

  const secrets = WebhookSecretCipher.fromConfig(config);
  const lease = await acquireDataSource(config.database, { applicationName: 'wharf-deployer', log, webhookSecrets: secrets });
  const subscriptions = new WebhookSubscriptionsRepository(lease.dataSource, secrets);
  const deliveries = new WebhookDeliveriesRepository(lease.dataSource);

  const connection = createRedisConnection(config.redis, 'worker');
  const deliveryQueue = new Queue<WebhookDeliveryJob>(WEBHOOK_DELIVERIES_QUEUE, { connection, prefix });
  deliveryQueue.on('error', (err) => log.warn({ err }, 'webhook delivery queue: redis error'));

  const router = new EventRouterProcessor(new SubscriptionCache(subscriptions, settings.subscriptionCacheMs, log), deliveryQueue, settings, log);
  const processor = new WebhookDeliveryProcessor(
    subscriptions,
    deliveries,
    new PayloadRenderer(),
    options.transport ?? new HttpWebhookTransport({ allowPrivate: settings.allowPrivate }),
    settings,
    log,
  );

  // a job must not be declared stalled while its POST is still within the timeout
  const lockDuration = Math.max(30_000, settings.timeoutMs * 2 + 10_000);

  const routerConsumer = new QueueConsumer<RegistryEvent, string[]>({
    name: 'deployer router',
    queue: internalQueueName(InternalConsumer.Deployer),
    connection,
    prefix,
    logger: log,
    concurrency: ROUTER_CONCURRENCY,
    handle: async (job) => {
      if (!isRegistryEvent(job.data)) throw new UnrecoverableError('job data is not a registry event');
      return router.process(job.data);
    },
    classify: databaseDown,
    worker: { lockDuration },
  });
  const backoff = deliveryBackoff(settings);
  const deliveryConsumer = new QueueConsumer<WebhookDeliveryJob, DeliveryOutcome>({
    name: 'webhook delivery',
    queue: WEBHOOK_DELIVERIES_QUEUE,
    connection,
    prefix,
    logger: log,
    concurrency: settings.concurrency,
    handle: (job) => processor.process({ data: job.data, attemptsMade: job.attemptsMade, attempts: job.opts.attempts ?? 1 }),
    // a failed POST was logged by the processor; anything else is the database or unexpected
    classify: (error) => (error instanceof DeliveryFailedError ? 'retry' : databaseDown(error)),
    worker: {
      lockDuration,
      settings: {
        // the processor chose (and logged) the wait; anything else retried gets the same schedule
        backoffStrategy: (attemptsMade, _type, err) => (err instanceof DeliveryFailedError ? err.retryDelayMs : retryDelayMs(attemptsMade, backoff)),
      },
    },
  });
  routerConsumer.start();
  deliveryConsumer.start();
  await Promise.all([routerConsumer.ready(), deliveryConsumer.ready()]);
  const retention = startDeliveryRetention(lease.dataSource, settings.deliveryRetention, log);
  log.info({ prefix, concurrency: settings.concurrency, maxAttempts: settings.maxAttempts, timeoutMs: settings.timeoutMs }, 'deployer started');

  return {
    name: 'deployer',
    stop: async () => {
      // close() lets in-flight deliveries finish (each bounded by webhooks.timeout)
      await Promise.allSettled([routerConsumer.close(), deliveryConsumer.close()]);
      await retention?.stop();
      await deliveryQueue.close().catch(() => undefined);
      await closeConnection(connection);
      await lease.release();
      log.info('deployer stopped');
    },
  };
}

/** PostgreSQL being down is no fault of the job. */
function databaseDown(error: unknown): FailureKind | undefined {
  return isTransientDatabaseError(error) ? 'unavailable' : undefined;
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
