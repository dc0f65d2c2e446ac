import { rm } from 'node:fs/promises';
import type { WharfConfig } from '@wharf/config';
import type { Logger } from '@wharf/observability';
import type { RedisConnection } from './redis-connection.js';
import { EndpointDeliveryWorker } from './endpoint-delivery.worker.js';
import { EventLog } from './event-log.js';
import { EventPublisher } from './event-publisher.js';
import type { EventSink } from './event-sink.js';
import { EventSpool } from './event-spool.js';
import { PipelineMetrics } from './pipeline-metrics.js';
import { QueueCatalog } from './queue-catalog.js';
import { QueueHealthService } from './queue-health.service.js';
import { endpointRoute, queueRoutes } from './queue-routes.js';
import { createRedisConnection, queuePrefix } from './redis-connection.js';
import { resolveSpoolDirectory, type SpoolDirectory } from './spool-directory.js';
import { SpoolEndpointDelivery } from './spool-endpoint-delivery.js';
import { SpoolForwarder } from './spool-forwarder.js';

export interface EventPipelineOptions {
  /** Redis key prefix; QUEUE_PREFIX unless a test isolates itself. */
  prefix?: string;
  /** Overrides notifications.spool.directory and its default. */
  spoolDirectory?: string;
  /** Register the metrics on an existing PipelineMetrics (its prom-client Registry). */
  metrics?: PipelineMetrics;
  /** How long stop() keeps forwarding (or delivering) what is spooled before leaving it for the next start. Default 5 s. */
  drainMs?: number;
  /** Run the endpoint deliveries in this process (default true). */
  deliverEndpoints?: boolean;
}

/** What reads the spool: the forwarder into Redis, or an endpoint delivered from the spool. */
interface SpoolReader {
  stop(drainMs: number): Promise<void>;
}

/**
 * The registry role's side of the notification pipeline, composed: the spool (what `sink` writes
 * to) and what reads it.
 * - With a `redis` section: the forwarder into the BullMQ queues, the replay log, the registry:2
 *   endpoint delivery workers and the metrics.
 * - Without one, when `notifications.endpoints` has an enabled entry: each endpoint delivered
 *   straight from the spool in this process (SpoolEndpointDelivery), as registry:2 does without
 *   any Redis.
 * `start` returns undefined otherwise (no endpoints and no redis, or no redis and a role that
 * does not deliver): the registry then runs without a sink, spooling nothing.
 */
export class EventPipeline {
  private stopped = false;

  private constructor(
    readonly sink: EventSink,
    readonly metrics: PipelineMetrics,
    /** The queues' state in Redis; undefined when endpoints are delivered from the spool. */
    readonly health: QueueHealthService | undefined,
    readonly spoolDirectory: SpoolDirectory,
    private readonly spool: EventSpool,
    private readonly readers: SpoolReader[],
    private readonly workers: EndpointDeliveryWorker[],
    private readonly catalog: QueueCatalog | undefined,
    private readonly connections: RedisConnection[],
    private readonly drainMs: number,
    private readonly logger: Logger,
  ) {}

  static async start(config: WharfConfig, logger: Logger, options: EventPipelineOptions = {}): Promise<EventPipeline | undefined> {
    if (config.redis === undefined) {
      const endpoints = config.notifications.endpoints.filter((e) => !e.disabled);
      // A role that does not deliver (the API) would leave a spool of its own unread.
      if (endpoints.length === 0 || options.deliverEndpoints === false) return undefined;
      return EventPipeline.startSpoolDelivery(config, endpoints, logger, options);
    }
    const prefix = options.prefix ?? queuePrefix(config.redis);
    const metrics = options.metrics ?? new PipelineMetrics();
    const { spool, spoolDirectory } = await openSpool(config, logger, metrics, options);
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
      [forwarder],
      workers,
      catalog,
      [producer, workerConnection],
      options.drainMs ?? DEFAULT_DRAIN_MS,
      logger,
    );
  }

  private static async startSpoolDelivery(
    config: WharfConfig,
    endpoints: WharfConfig['notifications']['endpoints'],
    logger: Logger,
    options: EventPipelineOptions,
  ): Promise<EventPipeline> {
    const metrics = options.metrics ?? new PipelineMetrics();
    const consumers = endpoints.map((endpoint) => endpointRoute(endpoint).consumer);
    const { spool, spoolDirectory } = await openSpool(config, logger, metrics, options, consumers);
    const deliveries = endpoints.map((endpoint) => new SpoolEndpointDelivery({ spool, endpoint, logger, metrics }));
    for (const delivery of deliveries) delivery.start();
    metrics.watchSpool(() => spool.backlogBytes());
    logger.info({ spool: spoolDirectory.directory, endpoints: consumers }, 'event pipeline started: no redis section, endpoints delivered from the spool');
    return new EventPipeline(new EventPublisher(spool), metrics, undefined, spoolDirectory, spool, deliveries, [], undefined, [], options.drainMs ?? DEFAULT_DRAIN_MS, logger);
  }

  /**
   * Call after the registry stopped taking requests: writes what is pending to the spool, forwards
   * (or delivers) it for up to `drainMs`, lets endpoint deliveries in flight finish, then closes
   * everything. What could not be handed on stays spooled for the next start.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.spool.flush();
    await Promise.allSettled(this.readers.map((reader) => reader.stop(this.drainMs)));
    await Promise.allSettled(this.workers.map((worker) => worker.close()));
    await this.catalog?.close();
    const backlog = await this.spool.backlogBytes().catch(() => -1);
    await this.spool.close();
    if (backlog > 0) this.logger.warn({ spool: this.spoolDirectory.directory, backlogBytes: backlog }, 'event pipeline: events left spooled for the next start');
    if (this.spoolDirectory.temporary && backlog === 0) await rm(this.spoolDirectory.directory, { recursive: true, force: true });
    await Promise.allSettled(this.connections.map((connection) => closeConnection(connection)));
  }
}

const DEFAULT_DRAIN_MS = 5_000;

/** The spool folder (configured, or the default for the storage driver), opened for `consumers`. */
async function openSpool(
  config: WharfConfig,
  logger: Logger,
  metrics: PipelineMetrics,
  options: EventPipelineOptions,
  consumers?: readonly string[],
): Promise<{ spool: EventSpool; spoolDirectory: SpoolDirectory }> {
  const spoolDirectory =
    options.spoolDirectory !== undefined ? { directory: options.spoolDirectory, temporary: false } : await resolveSpoolDirectory(config);
  const spool = await EventSpool.open({
    directory: spoolDirectory.directory,
    logger,
    ...(consumers === undefined ? {} : { consumers }),
    onWrite: (ms, events) => {
      metrics.spoolAppendSeconds.observe(ms / 1000);
      metrics.spoolAppendedEvents.inc(events);
    },
  });
  return { spool, spoolDirectory };
}

/** QUIT when Redis answers; a connection still trying to reconnect is simply dropped. */
export async function closeConnection(connection: RedisConnection, timeoutMs = 1_000): Promise<void> {
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
