import { rm } from 'node:fs/promises';
import type { WharfConfig } from '@wharf/config';
import { QUEUE_PREFIX } from '@wharf/events';
import type { Logger } from '@wharf/observability';
import type { Redis } from 'ioredis';
import { EndpointDeliveryWorker } from './endpoint-delivery.worker.js';
import { EventLog } from './event-log.js';
import { EventPublisher } from './event-publisher.js';
import type { EventSink } from './event-sink.js';
import { EventSpool } from './event-spool.js';
import { PipelineMetrics } from './pipeline-metrics.js';
import { QueueCatalog } from './queue-catalog.js';
import { QueueHealthService } from './queue-health.service.js';
import { queueRoutes } from './queue-routes.js';
import { createRedisConnection } from './redis-connection.js';
import { resolveSpoolDirectory, type SpoolDirectory } from './spool-directory.js';
import { SpoolForwarder } from './spool-forwarder.js';

export interface EventPipelineOptions {
  /** Redis key prefix; QUEUE_PREFIX unless a test isolates itself. */
  prefix?: string;
  /** Overrides notifications.spool.directory and its default. */
  spoolDirectory?: string;
  /** Register the metrics on an existing PipelineMetrics (its prom-client Registry). */
  metrics?: PipelineMetrics;
  /** How long stop() keeps forwarding what is spooled before leaving it for the next start. Default 5 s. */
  drainMs?: number;
  /** Run the endpoint delivery workers in this process (default true). */
  deliverEndpoints?: boolean;
}

/**
 * The registry role's side of the notification pipeline, composed: the spool (what `sink` writes
 * to), the forwarder into the BullMQ queues, the replay log, the registry:2 endpoint delivery
 * workers and the metrics. `start` returns undefined when the configuration has no `redis`
 * section: the registry then runs without a sink, spooling nothing (a registry:2 file with
 * endpoints but no redis gets a warning, since nothing would deliver them).
 */
export class EventPipeline {
  private stopped = false;

  private constructor(
    readonly sink: EventSink,
    readonly metrics: PipelineMetrics,
    readonly health: QueueHealthService,
    readonly spoolDirectory: SpoolDirectory,
    private readonly spool: EventSpool,
    private readonly forwarder: SpoolForwarder,
    private readonly workers: EndpointDeliveryWorker[],
    private readonly catalog: QueueCatalog,
    private readonly connections: Redis[],
    private readonly drainMs: number,
    private readonly logger: Logger,
  ) {}

  static async start(config: WharfConfig, logger: Logger, options: EventPipelineOptions = {}): Promise<EventPipeline | undefined> {
    if (config.redis === undefined) {
      const endpoints = config.notifications.endpoints.filter((e) => !e.disabled).map((e) => e.name);
      if (endpoints.length > 0) {
        logger.warn({ endpoints }, 'notifications.endpoints are configured but there is no redis section: Wharf delivers no events');
      }
      return undefined;
    }
    const prefix = options.prefix ?? QUEUE_PREFIX;
    const metrics = options.metrics ?? new PipelineMetrics();
    const spoolDirectory =
      options.spoolDirectory !== undefined ? { directory: options.spoolDirectory, temporary: false } : await resolveSpoolDirectory(config);
    const spool = await EventSpool.open({
      directory: spoolDirectory.directory,
      logger,
      onWrite: (ms, events) => {
        metrics.spoolAppendSeconds.observe(ms / 1000);
        metrics.spoolAppendedEvents.inc(events);
      },
    });
    const producer = createRedisConnection(config.redis, 'producer');
    const workerConnection = createRedisConnection(config.redis, 'worker');
    const routes = queueRoutes(config);
    const eventLog = new EventLog({
      prefix,
      retentionMs: config.notifications.replay.retentionMs,
      maxEvents: config.notifications.replay.maxEvents,
    });
    const forwarder = new SpoolForwarder({ spool, connection: producer, routes, eventLog, logger, prefix, metrics });
    forwarder.start();
    const workers =
      options.deliverEndpoints === false
        ? []
        : routes.flatMap((route) =>
            route.endpoint === undefined
              ? []
              : [new EndpointDeliveryWorker({ endpoint: route.endpoint, connection: workerConnection, logger, prefix, metrics })],
          );
    for (const worker of workers) worker.start();
    const catalog = new QueueCatalog(producer, routes, prefix);
    const health = new QueueHealthService(catalog);
    metrics.watchQueues(health);
    metrics.watchSpool(() => spool.backlogBytes());
    logger.info(
      { spool: spoolDirectory.directory, queues: routes.map((r) => r.name), endpoints: workers.map((w) => w.queueName) },
      'event pipeline started',
    );
    return new EventPipeline(
      new EventPublisher(spool, forwarder),
      metrics,
      health,
      spoolDirectory,
      spool,
      forwarder,
      workers,
      catalog,
      [producer, workerConnection],
      options.drainMs ?? 5_000,
      logger,
    );
  }

  /**
   * Call after the registry stopped taking requests: writes what is pending to the spool, forwards
   * it for up to `drainMs`, lets endpoint deliveries in flight finish, then closes everything.
   * What could not be forwarded stays spooled for the next start.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.spool.flush();
    await this.forwarder.stop(this.drainMs);
    await Promise.allSettled(this.workers.map((worker) => worker.close()));
    await this.catalog.close();
    const backlog = await this.spool.backlogBytes().catch(() => -1);
    await this.spool.close();
    if (backlog > 0) this.logger.warn({ spool: this.spoolDirectory.directory, backlogBytes: backlog }, 'event pipeline: events left spooled for the next start');
    if (this.spoolDirectory.temporary && backlog === 0) await rm(this.spoolDirectory.directory, { recursive: true, force: true });
    await Promise.allSettled(this.connections.map((connection) => closeConnection(connection)));
  }
}

/** QUIT when Redis answers; a connection still trying to reconnect is simply dropped. */
export async function closeConnection(connection: Redis, timeoutMs = 1_000): Promise<void> {
  if (connection.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      connection.quit().catch(() => undefined),
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }
  connection.disconnect();
}
