import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Queue, type Job } from 'bullmq';
import type { RedisConnection } from '@wharf/queue';
import type { RedisConfig } from '@wharf/config';
import { EVENT_JOB_NAME, InternalConsumer, internalQueueName, type RegistryEvent } from '@wharf/events';
import { INTERNAL_JOB_OPTIONS, createRedisConnection, queueJobId } from '@wharf/queue';
import { run } from '../support/exec.js';
import { repoRoot } from '../support/tools.js';
import { freePort, waitFor } from './queue-redis.js';
import { ELASTICSEARCH, PrivateService } from '../support/private-service.js';

/*
 * Helpers of the indexer and events-API suites (indexer-*.test.ts, api/events-*.test.ts): the real
 * Elasticsearch that scripts/elasticsearch.sh runs (or a private one for outage tests), one index
 * prefix per test (its indices and template deleted afterwards), and the real indexer queue.
 */

const SHARED_ELASTICSEARCH_URL = 'http://127.0.0.1:9209';
const ES_START_TIMEOUT_MS = 240_000;

/** Starts (or reuses) the shared test Elasticsearch on 127.0.0.1:9209. */
export async function sharedElasticsearch(): Promise<string> {
  await run('bash', [join(repoRoot, 'scripts', 'elasticsearch.sh'), 'start'], { timeoutMs: ES_START_TIMEOUT_MS });
  return SHARED_ELASTICSEARCH_URL;
}

/** An Elasticsearch node of the test's own (port and folder), for tests that stop and start it. */
export class PrivateElasticsearch extends PrivateService {
  static start(): Promise<PrivateElasticsearch> {
    return PrivateElasticsearch.launch(ELASTICSEARCH);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
}

/** An `elasticsearch.indexprefix` no other test uses. */
export function uniqueIndexPrefix(): string {
  return `wharf-t-${randomBytes(5).toString('hex')}`;
}

export function elasticsearchYaml(url: string, prefix: string): string {
  return `elasticsearch:\n  urls:\n    - ${url}\n  indexprefix: ${prefix}\n`;
}

type Json = Record<string, any>;

/** Reads what the indexer wrote, straight from Elasticsearch's REST API, and cleans it up. */
export class EventIndexProbe {
  constructor(
    readonly url: string,
    readonly prefix: string,
  ) {}

  get alias(): string {
    return `${this.prefix}-events`;
  }

  async request(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Json) };
  }

  /** Documents searchable under the alias right now (after a refresh). */
  async count(): Promise<number> {
    await this.request('POST', `/${this.alias}/_refresh?ignore_unavailable=true&allow_no_indices=true`);
    const { status, json } = await this.request('GET', `/${this.alias}/_count?ignore_unavailable=true&allow_no_indices=true`);
    if (status !== 200) throw new Error(`_count answered ${status}: ${JSON.stringify(json)}`);
    return json['count'] as number;
  }

  async document(id: string): Promise<Json | undefined> {
    const { json } = await this.request('POST', `/${this.alias}/_search?ignore_unavailable=true&allow_no_indices=true`, { query: { ids: { values: [id] } } });
    return json['hits']?.['hits']?.[0];
  }

  /** The monthly indices behind the alias. */
  async indices(): Promise<string[]> {
    const { json } = await this.request('GET', `/_cat/indices/${this.prefix}-events-*?format=json&h=index`);
    return (Array.isArray(json) ? (json as Json[]) : []).map((row) => row['index'] as string).sort();
  }

  async waitForCount(expected: number, timeoutMs: number): Promise<void> {
    let last = -1;
    await waitFor(
      async () => {
        last = await this.count().catch(() => -1);
        return last === expected;
      },
      timeoutMs,
      () => `expected ${expected} documents under ${this.alias}, found ${last}`,
    );
  }

  /** Deletes this prefix's indices (by name: wildcard deletes are refused by default) and template. */
  async dispose(): Promise<void> {
    for (const index of await this.indices().catch(() => [])) await this.request('DELETE', `/${index}`).catch(() => undefined);
    await this.request('DELETE', `/_index_template/${this.prefix}-events`).catch(() => undefined);
  }
}

/** The indexer's queue under a test prefix, filled as the registry's forwarder fills it. */
export class IndexerQueue {
  readonly queue: Queue<RegistryEvent>;
  private readonly connection: RedisConnection;

  constructor(redis: RedisConfig, prefix: string) {
    this.connection = createRedisConnection(redis, 'worker');
    this.queue = new Queue<RegistryEvent>(internalQueueName(InternalConsumer.Indexer), { connection: this.connection, prefix });
  }

  /** Adds events with the registry's job ids; `redelivery` gives the copies ids of their own, as a replay does. */
  async add(events: readonly RegistryEvent[], redelivery?: string): Promise<void> {
    for (let i = 0; i < events.length; i += 1_000) {
      await this.queue.addBulk(
        events.slice(i, i + 1_000).map((event) => ({
          name: EVENT_JOB_NAME,
          data: event,
          opts: { ...INTERNAL_JOB_OPTIONS, jobId: queueJobId(event.id, InternalConsumer.Indexer, redelivery) },
        })),
      );
    }
  }

  async pending(): Promise<number> {
    const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  async failed(): Promise<Job<RegistryEvent>[]> {
    return this.queue.getFailed(0, 1_000);
  }

  async drained(timeoutMs: number): Promise<void> {
    let last = -1;
    await waitFor(
      async () => {
        last = await this.pending();
        return last === 0;
      },
      timeoutMs,
      () => `indexer queue not drained: ${last} jobs pending`,
    );
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}
