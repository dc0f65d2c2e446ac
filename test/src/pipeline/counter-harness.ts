import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { RedisConnection } from '@wharf/queue';
import type { DataSource } from 'typeorm';
import type { DatabaseConfig, RedisConfig } from '@wharf/config';
import { openDataSource } from '@wharf/db';
import { EVENT_JOB_NAME, EventAction, InternalConsumer, QUEUE_PREFIX, internalQueueName, type RegistryEvent } from '@wharf/events';
import { INTERNAL_JOB_OPTIONS, createRedisConnection, queueJobId } from '@wharf/queue';
import { run, tail } from '../support/exec.js';
import { repoRoot } from '../support/tools.js';
import { freePort, waitFor } from './queue-redis.js';
import { POSTGRES, PrivateService } from '../support/private-service.js';

/*
 * Helpers of the counter suites (counter-*.test.ts, repositories-*.test.ts): the real PostgreSQL
 * that scripts/postgres.sh runs (or a private one for outage tests), one schema per test, events
 * shaped as the registry emits them, the real counter queue, and `bin/wharf` role processes.
 */

const SHARED_POSTGRES_PORT = 5439;

export function postgresConfig(port: number, schema: string): DatabaseConfig {
  return { url: `postgres://wharf:wharf@127.0.0.1:${port}/wharf_test`, schema };
}

/** Starts (or reuses) the shared test PostgreSQL on 127.0.0.1:5439. */
export async function sharedPostgres(): Promise<number> {
  await run('bash', [join(repoRoot, 'scripts', 'postgres.sh'), 'start'], { timeoutMs: 120_000 });
  return SHARED_POSTGRES_PORT;
}

/** A PostgreSQL cluster of the test's own, for tests that stop and start it. */
export class PrivatePostgres extends PrivateService {
  static start(): Promise<PrivatePostgres> {
    return PrivatePostgres.launch(POSTGRES);
  }
}

export function uniqueSchema(): string {
  return `wharf_t_${randomBytes(5).toString('hex')}`;
}

export interface RepositoryCounts {
  pulls: number;
  pushes: number;
}

/** Reads a test schema's counters directly (the API suites read them through the API). */
export class CounterReader {
  private constructor(private readonly ds: DataSource) {}

  static async open(database: DatabaseConfig): Promise<CounterReader> {
    return new CounterReader(await openDataSource(database, { poolSize: 2, applicationName: 'wharf-test' }));
  }

  async repository(name: string): Promise<RepositoryCounts> {
    const rows: RepositoryCounts[] = await this.ds.query(`SELECT pulls::int, pushes::int FROM counter_repository WHERE repository = $1`, [name]);
    return rows[0] ?? { pulls: 0, pushes: 0 };
  }

  async total(): Promise<RepositoryCounts> {
    const rows: RepositoryCounts[] = await this.ds.query(`SELECT coalesce(sum(pulls), 0)::int AS pulls, coalesce(sum(pushes), 0)::int AS pushes FROM counter_repository`);
    return rows[0]!;
  }

  /** Per-tag totals with a non-zero count; '' is "by digest". */
  async tags(name: string): Promise<Record<string, RepositoryCounts>> {
    const rows: ({ tag: string } & RepositoryCounts)[] = await this.ds.query(
      `SELECT tag, sum(pulls)::int AS pulls, sum(pushes)::int AS pushes FROM counter_tag_day WHERE repository = $1 GROUP BY tag ORDER BY tag`,
      [name],
    );
    return Object.fromEntries(rows.filter((r) => r.pulls !== 0 || r.pushes !== 0).map((r) => [r.tag, { pulls: r.pulls, pushes: r.pushes }]));
  }

  /** What the counter recorded for a repository, one line per request, for failure messages. */
  async explain(repository: string): Promise<string> {
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'HH24:MI:SS.MS') AS at, method, kind, tag, left(digest, 19) AS digest, state, counted_tag, left(client, 24) AS client
       FROM counter_processed_event WHERE repository = $1 ORDER BY occurred_at, event_id`,
      [repository],
    );
    return rows.map((row) => Object.values(row).join(' ')).join('\n');
  }

  async processedEvents(): Promise<number> {
    return (await this.ds.query(`SELECT count(*)::int AS n FROM counter_processed_event`))[0].n;
  }

  async dropSchemaAndClose(schema: string): Promise<void> {
    try {
      await this.ds.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await this.ds.destroy();
    }
  }

  async close(): Promise<void> {
    await this.ds.destroy();
  }
}

export const INDEX = 'application/vnd.oci.image.index.v1+json';
const IMAGE = 'application/vnd.oci.image.manifest.v1+json';
export const LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

export interface EventSpec {
  action?: 'pull' | 'push' | 'delete' | 'mount';
  repository?: string;
  tag?: string;
  digest?: string;
  mediaType?: string;
  addr?: string;
  useragent?: string;
  method?: string;
  actor?: string;
  /** Milliseconds after `base` (default: now). */
  at?: number;
  base?: number;
}

/** An event shaped as the registry emits it, with a fresh id. */
export function counterEvent(spec: EventSpec = {}): RegistryEvent {
  const action = spec.action ?? 'pull';
  const repository = spec.repository ?? 'lib/app';
  const digest = spec.digest ?? `sha256:${randomBytes(32).toString('hex')}`;
  const target: RegistryEvent['target'] = {
    mediaType: spec.mediaType ?? IMAGE,
    size: 512,
    digest,
    length: 512,
    repository,
    url: `http://127.0.0.1:5000/v2/${repository}/manifests/${digest}`,
  };
  if (spec.tag !== undefined) target.tag = spec.tag;
  return {
    id: randomUUID(),
    timestamp: new Date((spec.base ?? Date.now()) + (spec.at ?? 0)).toISOString(),
    action: action as EventAction,
    target,
    request: {
      id: randomUUID(),
      addr: spec.addr ?? '10.0.0.1:40000',
      host: '127.0.0.1:5000',
      method: spec.method ?? (action === 'push' ? 'PUT' : 'GET'),
      useragent: spec.useragent ?? 'docker/27.3.1 go/go1.22.7',
    },
    actor: spec.actor === undefined ? {} : { name: spec.actor },
    source: { addr: '127.0.0.1:5000', instanceID: 'counter-test' },
  };
}

/** The counter's queue, as the registry's forwarder fills it. */
export class CounterQueue {
  readonly queue: Queue;
  private readonly connection: RedisConnection;

  constructor(redis: RedisConfig, prefix = QUEUE_PREFIX) {
    this.connection = createRedisConnection(redis, 'worker');
    this.queue = new Queue(internalQueueName(InternalConsumer.Counter), { connection: this.connection, prefix });
  }

  /**
   * Adds events with the registry's job ids. `redelivery` gives the jobs another id, as a replay
   * or a second forwarder would after the first job was trimmed: the counter must still count once.
   */
  async add(events: readonly RegistryEvent[], redelivery?: string): Promise<void> {
    await this.queue.addBulk(
      events.map((event) => ({
        name: EVENT_JOB_NAME,
        data: event,
        opts: { ...INTERNAL_JOB_OPTIONS, jobId: queueJobId(event.id, InternalConsumer.Counter, redelivery) },
      })),
    );
  }

  async pending(): Promise<number> {
    const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  async failed(): Promise<number> {
    return (await this.queue.getJobCounts('failed')).failed ?? 0;
  }

  async drained(timeoutMs: number): Promise<void> {
    await waitFor(async () => (await this.pending()) === 0, timeoutMs, () => 'counter queue not drained');
  }

  async obliterateAndClose(): Promise<void> {
    await this.queue.obliterate({ force: true }).catch(() => undefined);
    await this.close();
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}

/** A `bin/wharf serve CONFIG --roles …` process. */
export class WharfProcess {
  private child: ChildProcess | undefined;
  private output = '';
  readonly dir: string;

  constructor(
    private readonly configYaml: string,
    private readonly roles: string,
    private readonly readyLine: string,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'wharf-counter-role-'));
    writeFileSync(join(this.dir, 'config.yml'), configYaml);
  }

  get logs(): string {
    return this.output;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    this.output = '';
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
    const proc = spawn(process.execPath, [join(repoRoot, 'bin/wharf'), 'serve', join(this.dir, 'config.yml'), '--roles', this.roles], {
      cwd: this.dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = proc;
    const capture = (b: Buffer): void => {
      this.output += b.toString();
      if (this.output.length > 512 * 1024) this.output = this.output.slice(-256 * 1024);
    };
    proc.stdout?.on('data', capture);
    proc.stderr?.on('data', capture);
    await waitFor(
      () => {
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`wharf exited: ${tail(this.output)}`);
        return this.output.includes(this.readyLine);
      },
      timeoutMs,
      () => `wharf --roles ${this.roles} not ready: ${tail(this.output)}`,
    );
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const proc = this.child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    await gone;
    clearTimeout(timer);
  }

  async dispose(): Promise<void> {
    await this.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A config for role processes: redis, database (with its schema) and extra YAML. */
export function roleConfigYaml(redisPort: number, database: DatabaseConfig, extra = ''): string {
  return (
    `version: 0.1\nlog:\n  level: info\nstorage:\n  inmemory:\n` +
    `redis:\n  addr: 127.0.0.1:${redisPort}\n` +
    `database:\n  url: ${database.url}\n  schema: ${database.schema}\n` +
    extra
  );
}

export interface Workload {
  events: RegistryEvent[];
  /** Expected counts per repository. */
  expected: Map<string, RepositoryCounts>;
  /** Expected sums over all repositories. */
  total: RepositoryCounts;
}

/**
 * Docker-like traffic over a few repositories, as the registry emits it for Docker 20.10+ (HEAD
 * by tag, GET by digest, blob GETs): single-platform pulls, multi-platform pulls (index then the
 * platform's manifest), pulls that reuse a manifest Docker still has (HEAD and blobs only), update
 * checks (a HEAD alone: no download) and pushes by tag; each from its own client. Each unit but
 * the update checks is one download or one push.
 */
export function workload(units: number, repositories = 4): Workload {
  const events: RegistryEvent[] = [];
  const expected = new Map<string, RepositoryCounts>();
  const base = Date.now();
  for (let i = 0; i < units; i++) {
    const repository = `load/repo-${i % repositories}`;
    const counts = expected.get(repository) ?? { pulls: 0, pushes: 0 };
    expected.set(repository, counts);
    const addr = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:${40_000 + (i % 1000)}`;
    const at = i; // distinct clients never merge, so event times may be close
    const tag = `v${i % 7}`;
    const digest = `sha256:${String(i % 7).padStart(64, '0')}`;
    const head = (mediaType = IMAGE) => counterEvent({ repository, tag, digest, mediaType, method: 'HEAD', addr, base, at });
    const blob = (n: number) => counterEvent({ repository, mediaType: LAYER, addr, base, at: at + 2 + n });
    switch (i % 6) {
      case 0:
        events.push(counterEvent({ action: 'push', repository, tag, addr, base, at }));
        counts.pushes++;
        break;
      case 1:
        events.push(head(INDEX), counterEvent({ repository, digest, mediaType: INDEX, addr, base, at: at + 1 }));
        events.push(counterEvent({ repository, addr, base, at: at + 1 }), blob(0), blob(1));
        counts.pulls++;
        break;
      case 2:
        events.push(head(), blob(0), blob(1));
        counts.pulls++;
        break;
      case 3:
        events.push(head());
        break;
      default:
        events.push(head(), counterEvent({ repository, digest, addr, base, at: at + 1 }), blob(0), blob(1));
        counts.pulls++;
    }
  }
  const total = { pulls: 0, pushes: 0 };
  for (const c of expected.values()) {
    total.pulls += c.pulls;
    total.pushes += c.pushes;
  }
  return { events, expected, total };
}
