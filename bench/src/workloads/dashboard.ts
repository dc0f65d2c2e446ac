/**
 * The dashboard, Wharf only: how fast the activity search page paints and answers with a large index.
 *
 * 1. Bulk-index `dashboardEvents` synthetic registry events (spread over the last 7 days, 200 repositories,
 *    30 actors, the four actions) into a private index prefix with the indexer's own writer and template.
 * 2. Start `wharf serve --roles api,dashboard` on that prefix (one untimed request first, so the figures are
 *    the page's, not the process's start-up).
 * 3. First paint: `dashboardLoads` cold loads of `/` in headless Chromium, each in a fresh browser context (no
 *    cache, no cookies); the figure is the browser's own first-contentful-paint (from navigation start).
 * 4. Search answered: on a loaded page, a different repository name each time is put in the search box and
 *    Enter pressed; timed inside the page from the Enter keydown to the results list rendered (no longer
 *    busy, new first row). Beside it, the API alone: GET /api/events and /api/events/aggregations for the same
 *    queries from Node, in parallel as the page asks for them.
 *
 * Targets (issue 5): first paint < 1500 ms, search answered < 300 ms.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser } from 'playwright-core';
import { stringify } from 'yaml';
import type { RegistryEvent } from '@wharf/events';
import { createSearchClient, EventBulkWriter, EventIndexAdmin, eventIndexNames, toEventDocument } from '@wharf/search';
import type { Profile } from '../options.js';
import { elasticsearchUrl, ensureElasticsearch, SideProcess } from '../pipeline-services.js';
import { freePort } from '../servers.js';
import { PipelineResults, type PipelineFigure } from './pipeline.js';

export const dashboardWorkloadName = 'dashboard';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const BULK_BATCH = 5_000;
const REPOSITORIES = 200;
const ACTORS = 30;
const DAY_MS = 86_400_000;

export interface DashboardContext {
  repoRoot: string;
  workRoot: string;
  profile: Profile;
  log(message: string): void;
}

export function dashboardSummary(p: Profile): string {
  return (
    `dashboard: ${p.dashboardEvents} events indexed; first contentful paint of ${p.dashboardLoads} cold loads of the ` +
    `search page; ${p.dashboardSearches} searches from Enter to results, and the API calls alone`
  );
}

const repositoryOf = (i: number) => `team-${i % 20}/service-${i % REPOSITORIES}`;

/** A deterministic, varied event: mostly pulls, as a registry sees. */
function syntheticEvent(i: number, now: number): RegistryEvent {
  const roll = i % 100;
  const action = roll < 70 ? 'pull' : roll < 95 ? 'push' : roll < 98 ? 'mount' : 'delete';
  const digest = `sha256:${(i * 2654435761).toString(16).padStart(8, '0').repeat(8).slice(0, 64)}`;
  return {
    id: `bench-dash-${i}`,
    timestamp: new Date(now - ((i * 6_047) % (7 * DAY_MS))).toISOString(),
    action,
    target: {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 1_000 + (i % 5_000),
      digest,
      length: 1_000 + (i % 5_000),
      repository: repositoryOf(i),
      url: `http://registry.example:5000/v2/${repositoryOf(i)}/manifests/${digest}`,
      ...(i % 3 === 0 ? { tag: `v${i % 50}` } : {}),
    },
    request: { id: `req-${i}`, addr: `10.0.${(i >> 8) & 255}.${i & 255}:${40_000 + (i % 20_000)}`, host: 'registry.example:5000', method: action === 'pull' ? 'GET' : 'PUT', useragent: `docker/27.${i % 5}.0 go/go1.22` },
    actor: { name: `user-${i % ACTORS}` },
    source: { addr: 'registry-0:5000', instanceID: 'bench' },
  } as RegistryEvent;
}

async function indexEvents(prefix: string, count: number, log: (m: string) => void): Promise<void> {
  const client = createSearchClient({ urls: [elasticsearchUrl], indexPrefix: prefix }, { requestTimeoutMs: 120_000 });
  try {
    await new EventIndexAdmin(client, prefix).ensure();
    const writer = new EventBulkWriter(client, prefix);
    const now = Date.now();
    const started = performance.now();
    for (let from = 0; from < count; from += BULK_BATCH) {
      const docs = Array.from({ length: Math.min(BULK_BATCH, count - from) }, (_, k) => toEventDocument(syntheticEvent(from + k, now)));
      const outcomes = await writer.write(docs);
      const failed = outcomes.filter((o) => !o.ok);
      if (failed.length > 0) throw new Error(`bulk indexing: ${failed.length} documents failed, e.g. ${JSON.stringify(failed[0])}`);
    }
    await client.indices.refresh({ index: eventIndexNames(prefix).pattern });
    const { count: indexed } = await client.count({ index: eventIndexNames(prefix).pattern });
    if (indexed !== count) throw new Error(`indexed ${indexed} of ${count} events`);
    log(`  indexed ${count} events in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await client.close();
  }
}

async function dropIndex(prefix: string): Promise<void> {
  const client = createSearchClient({ urls: [elasticsearchUrl], indexPrefix: prefix });
  try {
    await client.indices.delete({ index: eventIndexNames(prefix).pattern, allow_no_indices: true, ignore_unavailable: true });
    await client.indices.deleteIndexTemplate({ name: `${prefix}-events` }).catch(() => undefined);
  } finally {
    await client.close();
  }
}

async function waitForOk(url: string, timeoutMs: number, process: SideProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!process.alive) throw new Error(`wharf exited during start-up:\n${process.logTail()}`);
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await sleep(200);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms:\n${process.logTail()}`);
}

/** First contentful paint of one cold load, from the browser's paint timing. */
async function coldFirstPaint(browser: Browser, url: string): Promise<number> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'load' });
    const fcp = (await page.evaluate(`new Promise((resolve) => {
      const found = () => performance.getEntriesByName('first-contentful-paint')[0];
      if (found()) return resolve(found().startTime);
      new PerformanceObserver(() => found() && resolve(found().startTime)).observe({ type: 'paint', buffered: true });
    })`)) as number;
    // the page must show results, not just paint a skeleton that never fills
    await page.waitForSelector('li.event', { timeout: 30_000 });
    return fcp;
  } finally {
    await context.close();
  }
}

/** Milliseconds from the Enter keydown to the results rendered, measured inside the page. */
const SEARCH_TIMER = `(expected) => new Promise((resolve, reject) => {
  const box = document.querySelector('input[aria-label="Search events"]');
  const list = document.querySelector('ol.results');
  const firstId = () => list.querySelector('li.event')?.getAttribute('data-event-id') ?? null;
  const before = firstId();
  let start = 0;
  box.addEventListener('keydown', (e) => { if (e.key === 'Enter') start = performance.now(); }, { capture: true, once: true });
  // rendered: no longer busy, and the list shows other results than before
  const done = () => start > 0 && list.getAttribute('aria-busy') === 'false' && firstId() !== before;
  const observer = new MutationObserver(() => { if (done()) { observer.disconnect(); resolve(performance.now() - start); } });
  observer.observe(list, { attributes: true, childList: true, subtree: true });
  setTimeout(() => { observer.disconnect(); reject(new Error('no results for ' + expected + ' within 30 s')); }, 30000);
})`;

export async function runDashboard(ctx: DashboardContext): Promise<PipelineFigure[]> {
  const { repoRoot, workRoot, profile: p, log } = ctx;
  await ensureElasticsearch(repoRoot);
  const prefix = `bench-dash-${process.pid}-${Date.now().toString(36)}`;
  const dir = join(workRoot, 'dashboard');
  mkdirSync(join(dir, 'storage'), { recursive: true });
  const results = new PipelineResults();
  let wharf: SideProcess | undefined;
  let browser: Browser | undefined;
  try {
    await indexEvents(prefix, p.dashboardEvents, log);
    const [apiPort, dashboardPort] = [await freePort(), await freePort()];
    const configPath = join(dir, 'config.yml');
    writeFileSync(
      configPath,
      stringify({
        version: 0.1,
        log: { level: 'warn', accesslog: { disabled: true } },
        storage: { filesystem: { rootdirectory: join(dir, 'storage') } },
        elasticsearch: { urls: [elasticsearchUrl], indexprefix: prefix },
        api: { addr: `127.0.0.1:${apiPort}` },
        dashboard: { addr: `127.0.0.1:${dashboardPort}` },
      }),
    );
    wharf = SideProcess.spawn(process.execPath, [join(repoRoot, 'bin', 'wharf'), 'serve', configPath, '--roles', 'api,dashboard'], repoRoot, join(dir, 'wharf.log'));
    const dashboard = `http://127.0.0.1:${dashboardPort}`;
    const api = `http://127.0.0.1:${apiPort}/api`;
    await waitForOk(`${api}/openapi.json`, 60_000, wharf);
    await waitForOk(`${dashboard}/`, 60_000, wharf);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    for (let i = 0; i < p.dashboardLoads; i++) {
      const fcp = await coldFirstPaint(browser, `${dashboard}/`);
      results.add('dashboard.fcp', `search page first contentful paint, cold load, ${p.dashboardEvents} events`, 'ms', 'lower', fcp, { op: '<', value: 1500 });
      log(`  load ${i}: first contentful paint ${fcp.toFixed(0)} ms`);
    }

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${dashboard}/`);
    await page.waitForSelector('[data-hydrated="true"] li.event');
    for (let i = 0; i < p.dashboardSearches; i++) {
      const repository = repositoryOf(7 + i * 13);
      const timing = page.evaluate(`(${SEARCH_TIMER})(${JSON.stringify(repository)})`) as Promise<number>;
      await page.fill('input[aria-label="Search events"]', repository);
      await page.press('input[aria-label="Search events"]', 'Enter');
      const ms = await timing;
      results.add('dashboard.search', `search answered in the page (Enter → results rendered), ${p.dashboardEvents} events`, 'ms', 'lower', ms, { op: '<', value: 300 });

      const params = new URLSearchParams({ q: repositoryOf(11 + i * 17) });
      const started = performance.now();
      const [events, aggregations] = await Promise.all([fetch(`${api}/events?${params}&size=50`), fetch(`${api}/events/aggregations?${params}`)]);
      const apiMs = performance.now() - started;
      if (!events.ok || !aggregations.ok) throw new Error(`API search answered ${events.status}/${aggregations.status}`);
      const page1 = (await events.json()) as { total: number };
      await aggregations.arrayBuffer();
      if (page1.total === 0) throw new Error(`API search for ${params} found nothing`);
      results.add('dashboard.search.api', '  the API alone: /api/events + /api/events/aggregations in parallel', 'ms', 'lower', apiMs);
      log(`  search ${i}: ${ms.toFixed(0)} ms in the page, API alone ${apiMs.toFixed(0)} ms`);
    }
    return results.all();
  } finally {
    await browser?.close().catch(() => undefined);
    await wharf?.stop();
    await dropIndex(prefix).catch(() => undefined);
  }
}
