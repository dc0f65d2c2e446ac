import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { docker, dockerRemoveImage } from '../support/docker-cli.js';
import { importImage, uniqueName } from '../support/images.js';
import { send } from '../protocol/oci-http.js';
import { RegistryProcess } from '../support/registry-process.js';
import { UpstreamTap } from '../mirror/upstream-tap.js';
import { waitFor } from '../pipeline/queue-redis.js';
import { launchChromium, saveScreenshot } from './chromium.js';
import { DashboardStack } from './dashboard-stack.js';

/*
 * The pull-through cache as an operator sees it, over the real stack: docker pulls through Wharf
 * from a local upstream (docker-registry) fill the mirror page's figures and show in the activity
 * list as one row per pull, with its cache hits and fills.
 */
describe('dashboard: mirrors', () => {
  // Unique per run: the statistics live in the shared Redis.
  const host = `mirror-${randomBytes(3).toString('hex')}.test`;
  const repo = `${host}/library/app`;
  let upstream: RegistryProcess;
  let tap: UpstreamTap;
  let stack: DashboardStack;
  let browser: Browser;
  let page: Page;
  const locals: string[] = [];

  before(async () => {
    upstream = await RegistryProcess.start({ kind: 'reference' });
    tap = await UpstreamTap.start(upstream.url);
    const image = await importImage(`${upstream.host}/library/app:v1`, 'served by the mirror');
    locals.push(image.ref);
    await docker(['push', image.ref]);
    // The engine must not have the layers already, or its first pull would fetch no blob.
    await dockerRemoveImage(image.ref);
    stack = await DashboardStack.start({ config: { mirrors: [{ host, remoteurl: tap.url }] } });
    const ref = `${stack.registryHost}/${repo}:v1`;
    for (let round = 0; round < 2; round++) {
      await docker(['pull', ref]);
      await dockerRemoveImage(ref);
    }
    // A failure the page must show: the upstream in trouble for a tag Wharf never cached.
    tap.faults.set('/manifests/broken', 'unavailable');
    assert.equal((await send(`http://${stack.registryHost}`, 'GET', `/v2/${repo}/manifests/broken`)).status, 503);
    let indexed = 0;
    await waitFor(
      async () => {
        indexed = (await stack.apiJson<{ total: number }>(`/events?repository=${encodeURIComponent(repo)}&action=pull`)).total;
        if (indexed < 7) await sleep(200);
        return indexed >= 7;
      },
      60_000,
      // The first pull makes 4 requests (tag HEAD, manifest GET, 2 blobs); the second may skip the
      // manifest GET, since the engine keeps the manifest it already holds by digest.
      () => `both pulls indexed, 4 + at least 3 requests (found ${indexed} of 7)`,
    );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  after(async () => {
    await browser?.close();
    await stack?.dispose();
    await tap?.close();
    await upstream?.dispose();
    for (const local of locals) await dockerRemoveImage(local).catch(() => undefined);
  });

  test('the API and the mirror page show hits, misses, bytes served and fetched, and the last failure', async () => {
    type Mirror = { upstream: string; hits: number; fills: number; hitRate: number; servedBytes: number; fetchedBytes: number; errors: number; lastFailure: string | null };
    let mirror: Mirror | undefined;
    // Registries flush their counts to Redis once a second.
    await stack.waitUntil(
      async () => {
        mirror = (await stack.apiJson<{ mirrors: Mirror[] }>('/mirrors')).mirrors.find((m) => m.upstream === host);
        return mirror !== undefined && mirror.errors >= 1 && mirror.hits >= 3;
      },
      30_000,
      `mirror statistics (last seen: ${JSON.stringify(mirror)})`,
    );
    assert.ok(mirror!.fills >= 3, `the first pull fetched manifest, config and layer: ${JSON.stringify(mirror)}`);
    assert.ok(mirror!.fetchedBytes > 0 && mirror!.servedBytes > mirror!.fetchedBytes, `served more than fetched: ${JSON.stringify(mirror)}`);
    assert.match(mirror!.lastFailure ?? '', /unavailable/);

    await page.goto(`${stack.dashboard}/mirrors`);
    const row = page.locator(`tr[data-upstream="${host}"]`);
    await row.waitFor();
    assert.match((await row.locator('[data-column="hit-rate"]').textContent()) ?? '', /^\d+%$/);
    assert.notEqual((await row.locator('[data-column="errors"]').textContent())?.trim(), '0');
    assert.match((await row.locator('[data-column="last-failure"]').textContent()) ?? '', /unavailable/);
    await saveScreenshot(page, 'mirrors');
  });

  test('a docker pull is one activity row that expands into its requests and their cache outcomes', async () => {
    await page.goto(`${stack.dashboard}/?repository=${encodeURIComponent(repo)}&action=pull`);
    await page.waitForSelector('[data-hydrated="true"] li.operation');
    const operations = page.locator('li.operation');
    const events = await stack.apiJson<{ events: { timestamp: string; target: { tag?: string; digest?: string; mediaType?: string }; request: { method: string; addr: string }; wharf?: unknown }[] }>(
      `/events?repository=${encodeURIComponent(repo)}&action=pull&size=50`,
    );
    const seen = events.events.map((e) => `${e.timestamp} ${e.request.method} ${e.request.addr} ${e.target.tag ?? ''} ${e.target.digest} ${e.target.mediaType} ${JSON.stringify(e.wharf)}`).join('\n');
    assert.equal(await operations.count(), 2, `two pulls, two rows; events:\n${seen}`);
    const newest = operations.first();
    assert.ok(Number(await newest.getAttribute('data-requests')) >= 3, 'manifest, config and layer');
    // every request of the second pull was a hit (3 or 4 of them: see the wait above)
    assert.match((await newest.getByTestId('operation-summary').textContent()) ?? '', /[12] manifests? · 2 blobs · .* · cache: [34] hits, 0 fills/, seen);
    await newest.locator('summary').click();
    assert.ok(await newest.locator('li.event [data-cache="hit"]').first().isVisible(), 'the expanded requests say they were cache hits');
    // The first pull: the tag was fetched (fill), docker's GET by digest found it (hit), both blobs were fetched.
    assert.match((await operations.nth(1).getByTestId('operation-summary').textContent()) ?? '', /2 manifests · 2 blobs · .* · cache: 1 hit, 3 fills/, seen);
    await saveScreenshot(page, 'activity-pull-operations');
  });
});
