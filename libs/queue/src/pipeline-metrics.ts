import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { QueueHealth } from './queue-health.service.js';

/** Anything that can report the queues' state (QueueHealthService). */
export interface QueueHealthSource {
  health(): Promise<QueueHealth[]>;
}

const SNAPSHOT_TTL_MS = 1_000;

/**
 * Every Prometheus metric of the event pipeline, on one prom-client Registry the registry role
 * serves at `http.debug.prometheus.path` (see createMetricsHandler).
 *
 * Besides Wharf's own `wharf_*` metrics, the registry:2 notification metrics keep their names
 * (`registry_notifications_events_total{type,endpoint}`, `registry_notifications_status_total{code,endpoint}`,
 * `registry_notifications_pending_total{endpoint}`), so dashboards built for registry:2 keep working.
 * Queue gauges are read from Redis at scrape time (one snapshot per second at most) and therefore
 * cover every replica; counters and histograms are this process's own.
 */
export class PipelineMetrics {
  readonly spoolAppendSeconds: Histogram;
  readonly spoolAppendedEvents: Counter;
  readonly forwardedEvents: Counter;
  readonly forwarderRedisUp: Gauge;
  readonly deliveries: Counter<'endpoint' | 'outcome'>;
  readonly deliveryLatencySeconds: Histogram<'endpoint'>;
  readonly registryEvents: Counter<'type' | 'endpoint'>;
  readonly registryStatus: Counter<'code' | 'endpoint'>;
  private healthSource: QueueHealthSource | undefined;
  private backlogSource: (() => Promise<number>) | undefined;
  private snapshot: { at: number; value: Promise<QueueHealth[]> } | undefined;

  constructor(readonly registry: Registry = new Registry()) {
    const registers = [registry];
    this.spoolAppendSeconds = new Histogram({
      name: 'wharf_spool_write_duration_seconds',
      help: 'Duration of one group write to the event spool (every append waits for one).',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.spoolAppendedEvents = new Counter({ name: 'wharf_spool_appended_events_total', help: 'Events written to the local spool.', registers });
    this.forwardedEvents = new Counter({ name: 'wharf_spool_forwarded_events_total', help: 'Spooled events forwarded to the queues in Redis.', registers });
    this.forwarderRedisUp = new Gauge({ name: 'wharf_spool_forwarder_redis_up', help: '1 while the spool forwarder reaches Redis, 0 while it retries.', registers });
    new Gauge({
      name: 'wharf_spool_backlog_bytes',
      help: 'Spooled bytes not yet forwarded to Redis.',
      registers,
      collect: async function (this: Gauge) {
        if (metrics.backlogSource !== undefined) this.set(await metrics.backlogSource());
      },
    });
    this.deliveries = new Counter({
      name: 'wharf_endpoint_deliveries_total',
      help: 'Endpoint delivery attempts by outcome: delivered, failed (retried), dead_lettered.',
      labelNames: ['endpoint', 'outcome'],
      registers,
    });
    this.deliveryLatencySeconds = new Histogram({
      name: 'wharf_endpoint_delivery_latency_seconds',
      help: 'From an event entering its endpoint queue to the endpoint accepting it.',
      labelNames: ['endpoint'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600],
      registers,
    });
    this.registryEvents = new Counter({
      name: 'registry_notifications_events_total',
      help: 'The number of total events (registry:2 compatible: type Events, Successes, Failures, Errors).',
      labelNames: ['type', 'endpoint'],
      registers,
    });
    this.registryStatus = new Counter({
      name: 'registry_notifications_status_total',
      help: 'The number of status code (registry:2 compatible).',
      labelNames: ['code', 'endpoint'],
      registers,
    });

    const metrics = this;
    const fromHealth = (fill: (gauge: Gauge, health: QueueHealth[]) => void) =>
      async function (this: Gauge) {
        this.reset();
        const health = await metrics.health();
        if (health !== undefined) fill(this, health);
      };
    new Gauge({
      name: 'registry_notifications_pending_total',
      help: 'The gauge of pending events in queue (registry:2 compatible; waiting, delayed and active jobs).',
      labelNames: ['endpoint'],
      registers,
      collect: fromHealth((gauge, health) => {
        for (const q of health) if (q.endpoint !== undefined) gauge.set({ endpoint: q.endpoint.name }, q.counts.waiting + q.counts.delayed + q.counts.active);
      }),
    });
    new Gauge({
      name: 'wharf_queue_jobs',
      help: 'Jobs per queue and state (failed is the dead-letter set).',
      labelNames: ['queue', 'state'],
      registers,
      collect: fromHealth((gauge, health) => {
        for (const q of health) for (const [state, n] of Object.entries(q.counts)) gauge.set({ queue: q.name, state }, n);
      }),
    });
    new Gauge({
      name: 'wharf_queue_oldest_waiting_age_seconds',
      help: 'Age of the oldest job still waiting in the queue (0 when none waits).',
      labelNames: ['queue'],
      registers,
      collect: fromHealth((gauge, health) => {
        for (const q of health) gauge.set({ queue: q.name }, (q.oldestWaitingAgeMs ?? 0) / 1000);
      }),
    });
    new Gauge({
      name: 'wharf_endpoint_consecutive_failures',
      help: 'Consecutive failed deliveries per endpoint (the registry:2 breaker count).',
      labelNames: ['endpoint'],
      registers,
      collect: fromHealth((gauge, health) => {
        for (const q of health) if (q.endpoint !== undefined) gauge.set({ endpoint: q.endpoint.name }, q.endpoint.consecutiveFailures);
      }),
    });
    new Gauge({
      name: 'wharf_endpoint_backing_off',
      help: '1 while the endpoint is backing off after `threshold` consecutive failures.',
      labelNames: ['endpoint'],
      registers,
      collect: fromHealth((gauge, health) => {
        for (const q of health) if (q.endpoint !== undefined) gauge.set({ endpoint: q.endpoint.name }, q.endpoint.backingOff ? 1 : 0);
      }),
    });
  }

  /** Where queue gauges come from (QueueHealthService); without one they stay empty. */
  watchQueues(source: QueueHealthSource): void {
    this.healthSource = source;
  }

  /** Where the spool backlog gauge comes from (EventSpool.backlogBytes). */
  watchSpool(backlogBytes: () => Promise<number>): void {
    this.backlogSource = backlogBytes;
  }

  /** The text exposition, as Prometheus scrapes it. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private async health(): Promise<QueueHealth[] | undefined> {
    if (this.healthSource === undefined) return undefined;
    const now = Date.now();
    if (this.snapshot === undefined || now - this.snapshot.at > SNAPSHOT_TTL_MS) {
      this.snapshot = { at: now, value: this.healthSource.health() };
    }
    try {
      return await this.snapshot.value;
    } catch {
      // Redis unreachable: the queue gauges are left out of this scrape rather than failing it.
      this.snapshot = undefined;
      return undefined;
    }
  }
}
