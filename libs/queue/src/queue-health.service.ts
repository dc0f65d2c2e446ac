import type { Job } from 'bullmq';
import type { QueueCatalog } from './queue-catalog.js';

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  /** The dead-letter set. */
  failed: number;
  completed: number;
  prioritized: number;
}

export interface EndpointHealth {
  name: string;
  /** The endpoint URL without any user:password part. */
  url: string;
  threshold: number;
  backoffMs: number;
  consecutiveFailures: number;
  lastFailureAt: string | null;
  /** True while the breaker holds deliveries back (threshold reached, backoff not yet over). */
  backingOff: boolean;
  backingOffUntil: string | null;
}

export interface QueueHealth {
  name: string;
  kind: 'internal' | 'endpoint';
  counts: QueueCounts;
  /** Age of the oldest waiting job; null when none waits. */
  oldestWaitingAgeMs: number | null;
  /**
   * From a job entering the queue to its completion, over the most recent completed jobs still
   * kept (at most LATENCY_SAMPLE of them); null without samples.
   */
  latencyMs: { p50: number | null; p99: number | null; samples: number };
  /**
   * Who drains the queue: BullMQ workers connected to it now (from Redis CLIENT LIST, so workers in
   * any process count: the indexer, counter and deployer roles, the registry's endpoint delivery),
   * whether the queue is paused, and so whether anything is consuming it.
   */
  consumers: { workers: number; paused: boolean; consuming: boolean };
  endpoint?: EndpointHealth;
}

const LATENCY_SAMPLE = 200;

/** Reads the state of every configured queue from Redis (for GET /api/queues and the gauges). */
export class QueueHealthService {
  constructor(private readonly catalog: QueueCatalog) {}

  async health(): Promise<QueueHealth[]> {
    return Promise.all(this.catalog.names().map((name) => this.queueHealth(name)));
  }

  async queueHealth(name: string, now = Date.now()): Promise<QueueHealth> {
    const route = this.catalog.route(name);
    if (route === undefined) throw new Error(`unknown queue ${name}`);
    const queue = this.catalog.queue(name);
    const [counts, oldest, completed, breakerState, workers, paused] = await Promise.all([
      queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'),
      this.oldestWaitingTimestamp(name),
      queue.getCompleted(0, LATENCY_SAMPLE - 1),
      this.catalog.breaker(name)?.state(),
      queue.getWorkersCount(),
      queue.isPaused(),
    ]);
    const health: QueueHealth = {
      name,
      kind: route.kind,
      counts: {
        waiting: counts['waiting'] ?? 0,
        active: counts['active'] ?? 0,
        delayed: counts['delayed'] ?? 0,
        failed: counts['failed'] ?? 0,
        completed: counts['completed'] ?? 0,
        prioritized: counts['prioritized'] ?? 0,
      },
      oldestWaitingAgeMs: oldest === undefined ? null : Math.max(0, now - oldest),
      latencyMs: latency(completed),
      consumers: { workers, paused, consuming: workers > 0 && !paused },
    };
    const endpoint = route.endpoint;
    const breaker = this.catalog.breaker(name);
    if (endpoint !== undefined && breaker !== undefined && breakerState !== undefined) {
      const holdOff = breaker.holdOffMs(breakerState, now);
      health.endpoint = {
        name: endpoint.name,
        url: withoutCredentials(endpoint.url),
        threshold: endpoint.threshold,
        backoffMs: endpoint.backoffMs,
        consecutiveFailures: breakerState.consecutiveFailures,
        lastFailureAt: breakerState.lastFailureAt > 0 ? new Date(breakerState.lastFailureAt).toISOString() : null,
        backingOff: holdOff > 0,
        backingOffUntil: holdOff > 0 ? new Date(now + holdOff).toISOString() : null,
      };
    }
    return health;
  }

  /** BullMQ pushes new jobs on the left of the wait list and takes from the right: the oldest is last. */
  private async oldestWaitingTimestamp(name: string): Promise<number | undefined> {
    const queue = this.catalog.queue(name);
    const id = await this.catalog.connection.lindex(queue.toKey('wait'), -1);
    if (id === null) return undefined;
    const timestamp = await this.catalog.connection.hget(queue.toKey(id), 'timestamp');
    return timestamp === null ? undefined : Number(timestamp);
  }
}

function latency(jobs: Job[]): QueueHealth['latencyMs'] {
  const samples = jobs
    .filter((job) => typeof job.finishedOn === 'number' && typeof job.timestamp === 'number')
    .map((job) => job.finishedOn! - job.timestamp)
    .sort((a, b) => a - b);
  if (samples.length === 0) return { p50: null, p99: null, samples: 0 };
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.ceil(q * samples.length) - 1)]!;
  return { p50: at(0.5), p99: at(0.99), samples: samples.length };
}

function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}
