/**
 * What the notification-pipeline workload needs beyond a registry: a private Redis (so no test or other session
 * consuming the shared `wharf:events.indexer` queue can steal or add jobs), the shared Elasticsearch under a
 * fresh index prefix, and a separately spawned indexer process for the split topology.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { BenchRequestError } from './registry-client.js';

const run = promisify(execFile);

export const elasticsearchUrl = process.env.WHARF_BENCH_ES_URL ?? 'http://127.0.0.1:9209';

/** The repository's idempotent script: reuses a running Elasticsearch. */
export async function ensureElasticsearch(repoRoot: string): Promise<void> {
  if (process.env.WHARF_BENCH_ES_URL !== undefined) return;
  await run('bash', [join(repoRoot, 'scripts', 'elasticsearch.sh'), 'start'], { cwd: repoRoot, timeout: 180_000 });
}

/** A Redis of the bench's own (scripts/redis.sh with WHARF_REDIS_PORT/DIR), persistence as the shared one. */
export class PrivateRedis {
  private constructor(
    private readonly repoRoot: string,
    readonly port: number,
    private readonly dir: string,
  ) {}

  get addr(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(repoRoot: string, port: number, dir: string): Promise<PrivateRedis> {
    const redis = new PrivateRedis(repoRoot, port, dir);
    await redis.script('start');
    return redis;
  }

  async stop(): Promise<void> {
    await this.script('stop');
  }

  private async script(action: 'start' | 'stop'): Promise<void> {
    await run('bash', [join(this.repoRoot, 'scripts', 'redis.sh'), action], {
      cwd: this.repoRoot,
      timeout: 30_000,
      env: { ...process.env, WHARF_REDIS_PORT: String(this.port), WHARF_REDIS_DIR: this.dir },
    });
  }
}

/** The events alias of one index prefix, read directly (the bench does not go through the api role). */
export class EventIndex {
  private readonly agent = new Agent({ connections: 4, headersTimeout: 30_000, bodyTimeout: 30_000 });

  constructor(
    readonly prefix: string,
    readonly baseUrl = elasticsearchUrl,
  ) {}

  get alias(): string {
    return `${this.prefix}-events`;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /**
   * Documents matching `query`; undefined while not answerable: the alias does not exist yet gives 0, a 503
   * (the month's index just created, its shard not yet allocated) gives undefined — poll again.
   */
  async count(query: object): Promise<number | undefined> {
    const body = await this.call<{ count?: number }>(
      'POST',
      `/${this.alias}/_count?ignore_unavailable=true&allow_no_indices=true`,
      { query },
      [200, 503],
    );
    return body.count;
  }

  /** Which of these request ids are searchable now (documents' `requestId`). */
  async searchableRequestIds(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    // a 503 (shard not yet allocated) has no hits: none searchable yet
    const body = await this.call<{ hits?: { hits?: { _source: { requestId: string } }[] } }>(
      'POST',
      `/${this.alias}/_search?ignore_unavailable=true&allow_no_indices=true&filter_path=hits.hits._source.requestId`,
      { size: ids.length, _source: ['requestId'], query: { terms: { requestId: ids } } },
      [200, 503],
    );
    return (body.hits?.hits ?? []).map((hit) => hit._source.requestId);
  }

  /** Deletes the monthly indices behind the alias and the template: the shared Elasticsearch stays clean. */
  async drop(): Promise<void> {
    const aliases = await this.call<Record<string, unknown>>('GET', `/_alias/${this.alias}`, undefined, [200, 404]);
    for (const index of Object.keys(aliases)) {
      if (index.startsWith(`${this.prefix}-events-`)) await this.call('DELETE', `/${index}`, undefined, [200, 404]);
    }
    await this.call('DELETE', `/_index_template/${this.alias}`, undefined, [200, 404]);
  }

  private async call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: object, ok = [200]): Promise<T> {
    const res = await request(`${this.baseUrl}${path}`, {
      method,
      dispatcher: this.agent,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    if (!ok.includes(res.statusCode)) {
      throw new BenchRequestError(`elasticsearch ${method} ${path}: status ${res.statusCode} ${text.slice(0, 500)}`);
    }
    return (text === '' ? {} : JSON.parse(text)) as T;
  }
}

/** A Wharf process that serves no registry (`--roles indexer`): started, watched and stopped by process group. */
export class SideProcess {
  private exited = false;
  private readonly exit: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly logPath: string,
  ) {
    this.exit = new Promise((resolve) => child.once('exit', () => {
      this.exited = true;
      resolve();
    }));
    process.once('exit', () => this.kill('SIGKILL'));
  }

  static spawn(command: string, args: string[], cwd: string, logPath: string): SideProcess {
    const fd = openSync(logPath, 'a');
    const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    return new SideProcess(child, logPath);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get alive(): boolean {
    return !this.exited;
  }

  logTail(): string {
    try {
      return readFileSync(this.logPath, 'utf8').slice(-2000);
    } catch {
      return '';
    }
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    this.kill('SIGTERM');
    const stopped = await Promise.race([this.exit.then(() => true), sleep(10_000).then(() => false)]);
    if (!stopped) {
      this.kill('SIGKILL');
      await this.exit;
    }
  }

  private kill(signal: NodeJS.Signals): void {
    if (this.child.pid === undefined || this.exited) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // already gone
    }
  }
}
