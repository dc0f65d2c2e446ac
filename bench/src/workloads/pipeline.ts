/**
 * The notification pipeline, Wharf only (the reference has none): registry → spool → BullMQ (Redis) → indexer →
 * Elasticsearch. Three figures, each from freshly started servers on an empty directory and a fresh index prefix:
 *
 * 1. Throughput: a burst of E events (manifest GETs, every 10th request a manifest PUT to a new tag) from many
 *    concurrent clients; the clock runs from the first request until all E documents are searchable (`_count`
 *    polled every 100 ms). Measured with the indexer in the registry's process and in a process of its own.
 * 2. Lag: manifest GETs paced at a fixed rate; for every 5th request, the X-Request-Id (= the event's
 *    request.id) and its send time; Elasticsearch is polled every 50 ms for the pending ids and a request's lag
 *    is the end of the first poll that finds it (the indexer records no indexing time; this is an upper bound
 *    by one poll's duration, and includes the index's 1 s refresh interval, as "searchable" must).
 * 3. Pull throughput: the manifest workload's wrk GET run against Wharf with the pipeline (redis +
 *    elasticsearch, registry and indexer in one process) and without (no redis section).
 *
 * Every registry response is checked (status, digest), every count must come out exact: a missing or an extra
 * document fails the run.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { sha256Digest } from '../blob-data.js';
import { buildImage, manifestAccept, pushImage, type BuiltImage } from '../images.js';
import type { Profile } from '../options.js';
import { elasticsearchUrl, EventIndex, ensureElasticsearch, PrivateRedis, SideProcess } from '../pipeline-services.js';
import { BenchRequestError, RegistryClient } from '../registry-client.js';
import { freePort, startServer, type RunningServer, type ServerSpec } from '../servers.js';
import { mapLimit, median, percentile } from '../stats.js';
import { runWrk } from '../wrk.js';
import type { Better } from './workload.js';

const execFileAsync = promisify(execFile);

export const pipelineWorkloadName = 'pipeline';

/** A target from issue 3, checked and printed beside the figure. */
export interface Target {
  op: '>=' | '<';
  value: number;
}

export interface PipelineFigure {
  key: string;
  label: string;
  unit: string;
  better: Better | 'info';
  /** Median of the samples. */
  value: number;
  samples: number[];
  target?: Target;
  /** Whether the median meets the target (absent without one). */
  met?: boolean;
}

/** Samples per figure; the median is the reported value, checked against the figure's target. */
export class PipelineResults {
  private readonly figures = new Map<string, Omit<PipelineFigure, 'value' | 'met'>>();

  add(key: string, label: string, unit: string, better: PipelineFigure['better'], value: number, target?: Target): void {
    let figure = this.figures.get(key);
    if (figure === undefined) {
      figure = { key, label, unit, better, samples: [], ...(target === undefined ? {} : { target }) };
      this.figures.set(key, figure);
    }
    figure.samples.push(value);
  }

  all(): PipelineFigure[] {
    return [...this.figures.values()].map((f) => {
      const value = median(f.samples);
      const met = f.target === undefined ? undefined : f.target.op === '>=' ? value >= f.target.value : value < f.target.value;
      return { ...f, value, ...(met === undefined ? {} : { met }) };
    });
  }
}

export interface PipelineContext {
  repoRoot: string;
  workRoot: string;
  profile: Profile;
  wharf: ServerSpec;
  log(message: string): void;
}

/** Every 10th burst request is a manifest PUT (a push event) to a new tag; the rest are GETs (pull events). */
const pushEvery = 10;
/** Every 5th paced request's lag is measured. */
const lagSampleEvery = 5;
const repo = 'bench/pipeline';

export function pipelineSummary(p: Profile): string {
  return (
    `notification pipeline: burst of ${p.pipelineEvents} events (${p.pipelineClients} clients, 1 in ${pushEvery} a push) ` +
    `to searchable, indexer in-process and separate; lag at ${p.pipelineRate} events/s for ${p.pipelineLagSeconds} s; ` +
    `manifest GET wrk ${p.wrkSeconds}s with the pipeline on vs off`
  );
}

/** Runs every repetition; returns the figures for the report's "Notification pipeline" section. */
export async function runPipeline(ctx: PipelineContext): Promise<PipelineFigure[]> {
  const { repoRoot, workRoot, profile: p, log } = ctx;
  await ensureElasticsearch(repoRoot);
  const redisDir = join(workRoot, 'pipeline-redis');
  mkdirSync(redisDir, { recursive: true });
  const redis = await PrivateRedis.start(repoRoot, await freePort(), redisDir);
  const results = new PipelineResults();
  const runId = `${process.pid}-${Date.now().toString(36)}`;
  let phase = 0;
  const fresh = (): { dir: string; index: EventIndex } => {
    const n = phase++;
    const dir = join(workRoot, `pipeline-${n}`);
    return { dir, index: new EventIndex(`bench-${runId}-${n}`) };
  };
  const flushRedis = async (): Promise<void> => {
    await execFileAsync('redis-cli', ['-h', '127.0.0.1', '-p', String(redis.port), 'FLUSHALL']);
  };

  try {
    for (let rep = 0; rep < p.repetitions; rep++) {
      // 1 + 2: registry and indexer in one process; the burst, then (queues drained) the paced run.
      {
        const { dir, index } = fresh();
        const spec = pipelineSpec(ctx, redis.addr, index.prefix, ['registry', 'indexer']);
        await withServer(spec, dir, index, async (server, client, image) => {
          const burst = await measureBurst(server, client, index, p, image, rep);
          results.add('pipeline.burst', `burst of ${p.pipelineEvents} events to searchable, ${p.pipelineClients} clients, indexer in-process`, 'events/s', 'higher', burst.eventsPerSec, { op: '>=', value: 2000 });
          results.add('pipeline.burst.requests', `  registry requests during that burst`, 'req/s', 'info', burst.requestsPerSec);
          log(`  rep ${rep} burst (in-process): ${burst.eventsPerSec.toFixed(0)} events/s end to end (requests ${burst.requestsPerSec.toFixed(0)}/s)`);
          const lag = await measureLag(server, index, p, image);
          results.add('pipeline.lag.p50', `request → searchable at ${p.pipelineRate} events/s, p50`, 'ms', 'lower', lag.p50);
          results.add('pipeline.lag.p99', `request → searchable at ${p.pipelineRate} events/s, p99`, 'ms', 'lower', lag.p99, { op: '<', value: 2000 });
          results.add('pipeline.lag.max', `request → searchable at ${p.pipelineRate} events/s, max`, 'ms', 'lower', lag.max);
          results.add('pipeline.lag.rate', `  rate achieved (${lag.samples} of ${lag.requests} requests sampled)`, 'events/s', 'info', lag.rate);
          log(`  rep ${rep} lag: p50 ${lag.p50.toFixed(0)} ms, p99 ${lag.p99.toFixed(0)} ms at ${lag.rate.toFixed(0)}/s`);
        });
        await flushRedis();
      }
      // 1 again, the indexer in a process of its own.
      {
        const { dir, index } = fresh();
        const spec = pipelineSpec(ctx, redis.addr, index.prefix, ['registry']);
        let indexer: SideProcess | undefined;
        try {
          await withServer(spec, dir, index, async (server, client, image) => {
            indexer = SideProcess.spawn(spec.command, [...spec.args(join(dir, 'config.yml')).slice(0, -2), '--roles', 'indexer'], spec.cwd, join(dir, 'indexer.log'));
            const burst = await measureBurst(server, client, index, p, image, rep, indexer);
            results.add('pipeline.burst.split', `same burst, indexer in a separate process (--roles indexer)`, 'events/s', 'higher', burst.eventsPerSec, { op: '>=', value: 2000 });
            log(`  rep ${rep} burst (separate indexer): ${burst.eventsPerSec.toFixed(0)} events/s`);
          });
        } finally {
          await indexer?.stop();
        }
        await flushRedis();
      }
      // 3: manifest GET throughput, pipeline on vs off, order alternating per repetition.
      const rates: Record<'on' | 'off', number> = { on: NaN, off: NaN };
      for (const mode of rep % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
        const { dir, index } = fresh();
        const spec = mode === 'on' ? pipelineSpec(ctx, redis.addr, index.prefix, ['registry', 'indexer']) : ctx.wharf;
        await withServer(spec, dir, mode === 'on' ? index : undefined, async (server, _client, image) => {
          rates[mode] = await manifestGetRate(server, p, image);
        });
        await flushRedis();
      }
      results.add('pipeline.pull.on', `manifest GET, ${p.wrkConnections} clients (wrk), pipeline on`, 'req/s', 'higher', rates.on);
      results.add('pipeline.pull.off', `manifest GET, ${p.wrkConnections} clients (wrk), pipeline off (no redis)`, 'req/s', 'higher', rates.off);
      results.add('pipeline.pull.ratio', `  on / off`, '×', 'higher', rates.on / rates.off, { op: '>=', value: 0.9 });
      log(`  rep ${rep} manifest GET: on ${rates.on.toFixed(0)} req/s, off ${rates.off.toFixed(0)} req/s`);
    }
  } finally {
    await redis.stop();
    rmSync(redisDir, { recursive: true, force: true });
  }
  return results.all();
}

/** Wharf's spec with the pipeline: a redis and an elasticsearch section, and the given roles. */
function pipelineSpec(ctx: PipelineContext, redisAddr: string, indexPrefix: string, roles: string[]): ServerSpec {
  const base = ctx.wharf;
  return {
    ...base,
    description: `${base.description} --roles ${roles.join(',')}`,
    args: (configPath) => [...base.args(configPath), '--roles', roles.join(',')],
    config: (rootDirectory, addr) => ({
      ...(base.config(rootDirectory, addr) as object),
      redis: { addr: redisAddr },
      elasticsearch: { urls: [elasticsearchUrl], indexprefix: indexPrefix },
    }),
  };
}

/** Starts the server on `dir`, pushes the bench image, runs `fn`, stops everything and removes the index. */
async function withServer(
  spec: ServerSpec,
  dir: string,
  index: EventIndex | undefined,
  fn: (server: RunningServer, client: RegistryClient, image: BuiltImage) => Promise<void>,
): Promise<void> {
  const server = await startServer(spec, dir);
  const client = new RegistryClient(server.url, 128);
  try {
    const image = buildImage({ kind: 'docker', seed: 9100, layerSizes: [4096, 8192] });
    await pushImage(client, repo, 'latest', image);
    const served = await client.getManifest(repo, 'latest', manifestAccept);
    if (!served.bytes.equals(image.manifest)) throw new BenchRequestError(`GET ${repo}:latest: served ${served.digest}, pushed ${image.digest}`);
    await fn(server, client, image);
    if (!server.alive) throw new Error('server exited during the workload');
  } catch (error) {
    throw new Error(`pipeline (${spec.description}): ${(error as Error).message}\n--- server log tail ---\n${server.logTail()}`, { cause: error });
  } finally {
    await client.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    if (index !== undefined) {
      await index.drop();
      await index.close();
    }
  }
}

/** Documents whose event happened at or after `since` (epoch ms). */
function since(epochMs: number): object {
  return { range: { timestamp: { gte: new Date(epochMs).toISOString() } } };
}

/** Waits until the indexer has written the set-up push's events: it is up, and nothing of the set-up is queued. */
async function waitForSetupIndexed(index: EventIndex, alive: () => boolean): Promise<void> {
  const deadline = performance.now() + 60_000;
  let last = -1;
  let stableSince = performance.now();
  while (performance.now() < deadline) {
    if (!alive()) throw new Error('a pipeline process exited before indexing anything');
    const count = (await index.count({ match_all: {} })) ?? 0;
    if (count !== last) {
      last = count;
      stableSince = performance.now();
    } else if (count > 0 && performance.now() - stableSince > 1500) {
      return;
    }
    await sleep(100);
  }
  throw new Error(`the set-up push's events were not searchable within 60 s (count ${last})`);
}

/** Polls `_count` every 100 ms until `expected`; more fails (duplicates), no progress for 60 s fails. */
async function waitForCount(index: EventIndex, query: object, expected: number, alive: () => boolean): Promise<number> {
  let last = -1;
  let progressAt = performance.now();
  for (;;) {
    const count = (await index.count(query)) ?? last;
    const now = performance.now();
    if (count === expected) return now;
    if (count > expected) throw new Error(`${count} documents searchable, ${expected} events caused: duplicates or stray events`);
    if (count !== last) {
      last = count;
      progressAt = now;
    } else if (now - progressAt > 60_000) {
      throw new Error(`stuck at ${count} of ${expected} searchable events for 60 s`);
    }
    if (!alive()) throw new Error(`a pipeline process exited with ${count} of ${expected} events searchable`);
    await sleep(100);
  }
}

async function measureBurst(
  server: RunningServer,
  client: RegistryClient,
  index: EventIndex,
  p: Profile,
  image: BuiltImage,
  rep: number,
  indexer?: SideProcess,
): Promise<{ eventsPerSec: number; requestsPerSec: number }> {
  const alive = (): boolean => server.alive && (indexer === undefined || indexer.alive);
  await waitForSetupIndexed(index, alive);
  const wallStart = Date.now();
  const start = performance.now();
  await mapLimit(Array.from({ length: p.pipelineEvents }, (_, i) => i), p.pipelineClients, async (i) => {
    if (i % pushEvery === 0) {
      await client.putManifest(repo, `r${rep}-${i}`, image.mediaType, image.manifest);
    } else {
      const got = await client.getManifest(repo, 'latest', manifestAccept);
      if (got.digest !== image.digest) throw new BenchRequestError(`GET ${repo}:latest: served ${got.digest}, want ${image.digest}`);
    }
  });
  const requestsDone = performance.now();
  const searchable = await waitForCount(index, since(wallStart), p.pipelineEvents, alive);
  return {
    eventsPerSec: p.pipelineEvents / ((searchable - start) / 1000),
    requestsPerSec: p.pipelineEvents / ((requestsDone - start) / 1000),
  };
}

interface LagResult {
  p50: number;
  p99: number;
  max: number;
  rate: number;
  samples: number;
  requests: number;
}

/** Paced manifest GETs; see the file comment for how lag is read. */
async function measureLag(server: RunningServer, index: EventIndex, p: Profile, image: BuiltImage): Promise<LagResult> {
  const alive = (): boolean => server.alive;
  const total = Math.round(p.pipelineRate * p.pipelineLagSeconds);
  const agent = new Agent({ connections: 64, keepAliveTimeout: 30_000, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const url = `${server.url}/v2/${repo}/manifests/latest`;
  const pending = new Map<string, number>(); // request id → send time, sampled, not yet searchable
  const lags: number[] = [];
  let failure: Error | undefined;
  let inFlight = 0;
  let sent = 0;
  let firstSend = NaN;
  let lastSend = NaN;
  const wallStart = Date.now();

  const one = async (sample: boolean): Promise<void> => {
    const sendAt = performance.now();
    const res = await request(url, { dispatcher: agent, headers: { accept: manifestAccept } });
    const body = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode !== 200) throw new BenchRequestError(`GET ${repo}:latest: status ${res.statusCode} ${body.toString('utf8', 0, 300)}`);
    if (sha256Digest(body) !== image.digest) throw new BenchRequestError(`GET ${repo}:latest: body is not the pushed manifest`);
    const id = res.headers['x-request-id'];
    if (typeof id !== 'string' || id === '') throw new BenchRequestError(`GET ${repo}:latest: no X-Request-Id`);
    if (sample) pending.set(id, sendAt);
  };

  let pacing = true;
  const poller = (async () => {
    const deadline = (): boolean => !pacing && performance.now() > lastSend + 60_000;
    while (pacing || pending.size > 0 || inFlight > 0) {
      if (failure !== undefined) return;
      if (deadline()) throw new Error(`${pending.size} sampled requests not searchable 60 s after the last was sent`);
      if (!alive()) throw new Error('the server exited during the paced run');
      const ids = [...pending.keys()];
      const found = await index.searchableRequestIds(ids);
      const at = performance.now();
      for (const id of found) {
        const sendAt = pending.get(id);
        if (sendAt === undefined) continue;
        lags.push(at - sendAt);
        pending.delete(id);
      }
      await sleep(50);
    }
  })().catch((error: unknown) => {
    failure ??= error as Error;
  });

  const start = performance.now();
  try {
    while (sent < total && failure === undefined) {
      if (inFlight >= 512) throw new Error(`over 512 paced requests in flight: the registry cannot take ${p.pipelineRate}/s`);
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * p.pipelineRate) + 1);
      while (sent < due) {
        const sample = sent % lagSampleEvery === 0;
        sent++;
        inFlight++;
        lastSend = performance.now();
        if (Number.isNaN(firstSend)) firstSend = lastSend;
        one(sample).then(
          () => inFlight--,
          (error: unknown) => {
            inFlight--;
            failure ??= error as Error;
          },
        );
      }
      await sleep(2);
    }
    while (inFlight > 0 && failure === undefined) await sleep(5);
  } finally {
    pacing = false;
  }
  try {
    await poller;
  } finally {
    await agent.close();
  }
  if (failure !== undefined) throw failure;
  // Exactly one document per paced request, no more.
  await waitForCount(index, since(wallStart), total, alive);
  return {
    p50: percentile(lags, 50),
    p99: percentile(lags, 99),
    max: Math.max(...lags),
    rate: (total - 1) / ((lastSend - firstSend) / 1000),
    samples: lags.length,
    requests: total,
  };
}

/** The manifest workload's GET run: wrk warm-up, then the timed run; responses must carry the whole manifest. */
async function manifestGetRate(server: RunningServer, p: Profile, image: BuiltImage): Promise<number> {
  const load = {
    url: `${server.url}/v2/${repo}/manifests/latest`,
    headers: { Accept: manifestAccept },
    connections: p.wrkConnections,
    threads: p.wrkThreads,
  };
  await runWrk({ ...load, durationSec: p.wrkWarmupSeconds });
  const get = await runWrk({ ...load, durationSec: p.wrkSeconds });
  if (get.bytesRead / get.requests < image.manifest.length) {
    throw new Error(`wrk: responses average ${Math.round(get.bytesRead / get.requests)} bytes; the manifest alone is ${image.manifest.length}`);
  }
  return get.requestsPerSec;
}
