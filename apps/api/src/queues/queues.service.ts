import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { WharfConfig } from '@wharf/config';
import { endpointQueueName } from '@wharf/events';
import {
  DeadLetterService,
  EventLog,
  EventReplayService,
  QueueCatalog,
  QueueHealthService,
  closeConnection,
  createRedisConnection,
  queuePrefix,
  queueRoutes,
  type DeadLetterPage,
  type QueueHealth,
  type RedeliveryResult,
  type ReplayResult,
} from '@wharf/queue';
import type { RedisConnection } from '@wharf/queue';
import { WHARF_CONFIG } from '../api.tokens.js';
import { QueuesUnavailableError, UnknownQueueError } from './queues.errors.js';

interface QueueServices {
  connection: RedisConnection;
  catalog: QueueCatalog;
  health: QueueHealthService;
  deadLetters: DeadLetterService;
  replay: EventReplayService;
}

/**
 * Queue health, dead letters and replay for the API, over libs/queue. It resolves path names
 * (`events.indexer`, `endpoint.<name>`, an endpoint name as configured) to configured queues and
 * turns a Redis that does not answer into QueuesUnavailableError.
 */
@Injectable()
export class QueuesService implements OnApplicationShutdown {
  private readonly services: QueueServices | undefined;

  constructor(@Inject(WHARF_CONFIG) config: WharfConfig) {
    if (config.redis === undefined) return;
    const connection = createRedisConnection(config.redis, 'producer');
    const catalog = new QueueCatalog(connection, queueRoutes(config), queuePrefix(config.redis));
    this.services = {
      connection,
      catalog,
      health: new QueueHealthService(catalog),
      deadLetters: new DeadLetterService(catalog),
      replay: new EventReplayService(
        catalog,
        new EventLog({ prefix: catalog.prefix, retentionMs: config.notifications.replay.retentionMs, maxEvents: config.notifications.replay.maxEvents }),
      ),
    };
  }

  async health(): Promise<QueueHealth[]> {
    const s = this.require();
    return this.redis(() => s.health.health());
  }

  async deadLetters(name: string, offset: number, limit: number): Promise<DeadLetterPage> {
    const s = this.require();
    const queue = this.resolve(name);
    return this.redis(() => s.deadLetters.list(queue, offset, limit));
  }

  async redeliver(name: string, jobIds: readonly string[] | undefined): Promise<RedeliveryResult> {
    const s = this.require();
    const queue = this.resolve(name);
    return this.redis(() => s.deadLetters.redeliver(queue, jobIds));
  }

  async replay(name: string, since: Date): Promise<ReplayResult> {
    const s = this.require();
    const queue = this.resolve(name);
    return this.redis(() => s.replay.replay(queue, since));
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.services === undefined) return;
    await this.services.catalog.close();
    await closeConnection(this.services.connection);
  }

  /** A configured queue name, accepted as written, or an endpoint's name as in config.yml. */
  private resolve(name: string): string {
    const catalog = this.require().catalog;
    for (const candidate of [name, endpointQueueName(name), name.startsWith('endpoint.') ? endpointQueueName(name.slice('endpoint.'.length)) : name]) {
      if (catalog.route(candidate) !== undefined) return candidate;
    }
    throw new UnknownQueueError(name, catalog.names());
  }

  private require(): QueueServices {
    if (this.services === undefined) throw new QueuesUnavailableError('queues are not configured: the configuration has no redis section');
    return this.services;
  }

  private async redis<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof UnknownQueueError) throw err;
      const message = err instanceof Error ? err.message : String(err);
      if (this.services?.connection.status !== 'ready' || /connect|stream isn't writeable|closed|timed? ?out/i.test(message)) {
        throw new QueuesUnavailableError(`Redis does not answer: ${message}`);
      }
      throw err;
    }
  }
}
