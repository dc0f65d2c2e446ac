import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { WharfConfig } from '@wharf/config';
import {
  acquireDataSource,
  deliveryJobOptions,
  isTransientDatabaseError,
  WEBHOOK_DELIVERIES_QUEUE,
  WEBHOOK_DELIVERY_JOB,
  WebhookDeliveriesRepository,
  WebhookSecretCipher,
  WebhookSubscriptionsRepository,
  type DataSourceLease,
  type WebhookDeliveryJob,
} from '@wharf/db';
import type { Logger } from '@wharf/observability';
import { closeConnection, createRedisConnection, queuePrefix } from '@wharf/queue';
import { Queue } from 'bullmq';
import type { RedisConnection } from '@wharf/queue';
import { LOGGER, WHARF_CONFIG } from '../api.tokens.js';
import { WebhooksUnavailableError } from './webhooks.errors.js';

export interface WebhookRepositories {
  subscriptions: WebhookSubscriptionsRepository;
  deliveries: WebhookDeliveriesRepository;
}

/**
 * The webhooks API's edges: the PostgreSQL pool (shared per process with the other roles, opened
 * on first use so the API starts while the database is still coming up) and the delivery queue the
 * deployer consumes, on a fail-fast producer connection. Both unavailable → WebhooksUnavailableError (503).
 */
@Injectable()
export class WebhooksBackend implements OnApplicationShutdown {
  private lease: Promise<DataSourceLease> | undefined;
  private repositories: WebhookRepositories | undefined;
  private connection: RedisConnection | undefined;
  private queue: Queue<WebhookDeliveryJob> | undefined;
  /** Where subscription secrets are sealed; without api.secret or http.secret none can be stored. */
  readonly secrets: WebhookSecretCipher;

  constructor(
    @Inject(WHARF_CONFIG) private readonly config: WharfConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.secrets = WebhookSecretCipher.fromConfig(config);
  }

  /** Runs `work` against the repositories; a database that does not answer becomes a 503. */
  async db<T>(work: (repositories: WebhookRepositories) => Promise<T>): Promise<T> {
    const repositories = await this.open();
    try {
      return await work(repositories);
    } catch (error) {
      if (isTransientDatabaseError(error)) throw new WebhooksUnavailableError('PostgreSQL does not answer; try again shortly');
      throw error;
    }
  }

  async enqueue(data: WebhookDeliveryJob, jobId: string): Promise<void> {
    if (this.config.redis === undefined) throw new WebhooksUnavailableError('no redis section is configured: deliveries cannot be queued');
    if (this.queue === undefined) {
      this.connection = createRedisConnection(this.config.redis, 'producer');
      this.queue = new Queue<WebhookDeliveryJob>(WEBHOOK_DELIVERIES_QUEUE, { connection: this.connection, prefix: queuePrefix(this.config.redis) });
      this.queue.on('error', () => undefined); // surfaces through add()
    }
    try {
      await this.queue.add(WEBHOOK_DELIVERY_JOB, data, deliveryJobOptions(this.config.webhooks, jobId));
    } catch (error) {
      this.logger.warn({ err: error }, 'webhooks api: could not queue a delivery');
      throw new WebhooksUnavailableError('Redis does not answer: the delivery was not queued; try again shortly');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue?.close().catch(() => undefined);
    if (this.connection !== undefined) await closeConnection(this.connection);
    if (this.lease !== undefined) await (await this.lease.catch(() => undefined))?.release();
  }

  private async open(): Promise<WebhookRepositories> {
    if (this.repositories !== undefined) return this.repositories;
    const database = this.config.database;
    if (database === undefined) throw new WebhooksUnavailableError('no database section is configured: webhook subscriptions live in PostgreSQL');
    this.lease ??= acquireDataSource(database, { applicationName: 'wharf-api', connectWaitMs: 5_000, webhookSecrets: this.secrets });
    let lease: DataSourceLease;
    try {
      lease = await this.lease;
    } catch (error) {
      this.lease = undefined;
      this.logger.warn({ err: error }, 'webhooks api: database unavailable');
      throw new WebhooksUnavailableError('PostgreSQL does not answer; try again shortly');
    }
    this.repositories = { subscriptions: new WebhookSubscriptionsRepository(lease.dataSource, this.secrets), deliveries: new WebhookDeliveriesRepository(lease.dataSource) };
    return this.repositories;
  }
}
