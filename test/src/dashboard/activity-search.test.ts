import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { docker, dockerPush, dockerRemoveImage } from '../support/docker-cli.js';
import { buildImage, uniqueName } from '../support/images.js';
import { pushImage } from '../protocol/oci-operations.js';
import { waitForEvents } from './activity-page.js';
import { launchChromium, saveScreenshot } from './chromium.js';
import { DashboardStack } from './dashboard-stack.js';

/*
 * The activity search in a real browser over the real stack: images pushed and pulled with the
 * Docker engine are found by typing, narrowed by action and repository, shared by URL, and new
 * events appear without a reload; "Older events" pages on past the first page.
 */
describe('dashboard: activity search', () => {
  let stack: DashboardStack;
  let browser: Browser;
  let page: Page;
  let app = '';
  let tools = '';
  const locals: string[] = [];

  before(async () => {
    stack = await DashboardStack.start();
    browser = await launchChromium();
    app = `dash/app-${stack.runId}`;
    tools = `dash/tools-${stack.runId}`;
    for (const [repo, tag] of [
      [app, 'v1'],
      [tools, '1.0'],
    ] as const) {
      const local = `wharf-local/${uniqueName('dash')}:${tag}`;
      locals.push(local);
      await buildImage(local, `${repo} ${tag}`);
      const remote = `${stack.registryHost}/${repo}:${tag}`;
      await docker(['tag', local, remote]);
      await dockerPush(remote);
      await dockerRemoveImage(remote);
    }
    await docker(['pull', `${stack.registryHost}/${app}:v1`]);
    await dockerRemoveImage(`${stack.registryHost}/${app}:v1`);
    // the indexer is asynchronous: wait until the API can find the pull
    await stack.waitUntil(
      async () => (await stack.apiJson<{ total: number }>(`/events?repository=${encodeURIComponent(app)}&action=pull`)).total > 0,
      60_000,
      'pull of app indexed',
    );
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  after(async () => {
    await browser?.close();
    await stack?.dispose();
    for (const local of locals) await dockerRemoveImage(local).catch(() => undefined);
  });

  test('typing the run id finds the pushes of both repositories and the pull', async () => {
    await page.goto(stack.dashboard);
    await page.waitForSelector('[data-hydrated="true"]');
    await page.keyboard.press('/');
    assert.equal(await page.evaluate('document.activeElement?.getAttribute("aria-label")'), 'Search events', '/ focuses the search box');
    await page.keyboard.type(stack.runId);
    await page.keyboard.press('Enter');
    const events = await waitForEvents(
      page,
      (shown) => shown.some((e) => e.repository === app && e.action === 'pull') && shown.some((e) => e.repository === tools && e.action === 'push'),
      'pushes and the pull',
    );
    assert.ok(events.every((e) => e.repository === app || e.repository === tools), 'only this run matches its id');
    assert.ok(events.some((e) => e.repository === app && e.action === 'push' && e.text.includes(`${app}:v1`)), 'the tag push shows repository:tag');
    assert.match(page.url(), new RegExp(`[?&]q=${stack.runId}`), 'the URL holds the query');
    await saveScreenshot(page, 'activity-search');
  });

  test('ticking "pull" shows only pulls, as many as its facet counts', async () => {
    await page.getByRole('checkbox', { name: 'pull' }).check();
    const events = await waitForEvents(page, (shown) => shown.length > 0 && shown.every((e) => e.action === 'pull'), 'only pulls');
    assert.ok(events.some((e) => e.repository === app), 'the docker pull of app is among them');
    const facet = await page.textContent('[data-facet-action="pull"]');
    assert.equal(Number(facet?.replace(/,/g, '')), events.length, 'the pull facet counts the shown pulls');
    assert.match(page.url(), /action=pull/);
    await saveScreenshot(page, 'activity-filter-action');
    await page.getByRole('checkbox', { name: 'pull' }).uncheck();
  });

  test('a repository filter shows only that repository', async () => {
    await page.getByLabel('Repository', { exact: true }).fill(tools);
    await page.getByLabel('Repository', { exact: true }).press('Enter');
    const events = await waitForEvents(page, (shown) => shown.length > 0 && shown.every((e) => e.repository === tools), `only ${tools}`);
    assert.ok(events.some((e) => e.action === 'push' && e.text.includes(`${tools}:1.0`)), 'the tag push of tools');
    assert.match(page.url(), new RegExp(`repository=${encodeURIComponent(tools).replace(/\*/g, '\\*')}`));
    await saveScreenshot(page, 'activity-filter-repository');
  });

  test('clicking a histogram bar narrows the search to that bucket', async () => {
    await page.goto(`${stack.dashboard}/?q=${stack.runId}`);
    // a row of the list: an event, or a pull whose requests are folded inside it
    await page.waitForSelector('[data-hydrated="true"] ol.results > li');
    const bars = page.locator('.histogram rect.bar');
    const heights = await bars.evaluateAll((els) => (els as unknown as { getAttribute(n: string): string | null }[]).map((e) => Number(e.getAttribute('height'))));
    const tallest = heights.indexOf(Math.max(...heights));
    const bucketStart = await bars.nth(tallest).getAttribute('data-bucket');
    await bars.nth(tallest).click();
    await page.waitForURL(/from=.*&to=|to=.*&from=/);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('from'), new Date(bucketStart!).toISOString(), 'the range starts at the bucket');
    const [from, to] = [Date.parse(url.searchParams.get('from')!), Date.parse(url.searchParams.get('to')!)];
    // results update after the URL: wait until the list shows only events of the range
    await page.waitForFunction(
      `(() => { const t = [...document.querySelectorAll('li.event time')].map((e) => Date.parse(e.getAttribute('datetime')));
        return document.querySelector('ol.results[aria-busy="false"]') && t.length > 0 && t.every((x) => x >= ${from} && x < ${to}); })()`,
      undefined,
      { timeout: 15_000 },
    );
    await saveScreenshot(page, 'activity-histogram-range');
    await page.getByRole('button', { name: 'Clear time range' }).click();
    await page.waitForURL((u) => !u.searchParams.has('from'));
  });

  test('the theme toggle switches to dark and is remembered', async () => {
    const background = () => page.evaluate('getComputedStyle(document.body).backgroundColor');
    const before = await background();
    await page.getByRole('button', { name: /Switch to (dark|light) theme/ }).click();
    assert.notEqual(await background(), before);
    const theme = await page.evaluate('document.documentElement.dataset.theme');
    await page.reload();
    assert.equal(await page.evaluate('document.documentElement.dataset.theme'), theme, 'kept across a reload');
    await saveScreenshot(page, `activity-theme-${String(theme)}`);
  });

  test('a shared URL is rendered on the server with its results', async () => {
    const url = `${stack.dashboard}/?q=${stack.runId}&action=pull&repository=${encodeURIComponent(app)}`;
    const html = await (await fetch(url)).text();
    assert.match(html, new RegExp(`data-repository="${app}"`), 'the first HTML already lists the pulls');
    assert.doesNotMatch(html, new RegExp(`data-repository="${tools}"`));
  });

  test('a new push appears without a reload', async () => {
    await page.goto(`${stack.dashboard}/?q=${stack.runId}`);
    await page.waitForSelector('[data-hydrated="true"]');
    await waitForEvents(page, (shown) => shown.length > 0, 'first results');
    const local = `wharf-local/${uniqueName('dash')}:v2`;
    locals.push(local);
    await buildImage(local, 'v2');
    const remote = `${stack.registryHost}/${app}:v2`;
    await docker(['tag', local, remote]);
    await dockerPush(remote);
    await dockerRemoveImage(remote);
    await waitForEvents(page, (shown) => shown.some((e) => e.text.includes(`${app}:v2`)), 'the v2 push, polled', 30_000);
    await saveScreenshot(page, 'activity-new-events');
  });

  test('"Older events" appends the next page: older rows, none repeated, until every event is shown', { timeout: 120_000 }, async () => {
    // more events than one page (50) of a repository of their own: a push, then manifest pulls
    const paged = `dash/paged-${stack.runId}`;
    const registry = `http://${stack.registryHost}`;
    await pushImage(registry, paged, 'v1');
    for (let i = 0; i < 60; i++) {
      const res = await fetch(`${registry}/v2/${paged}/manifests/v1`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
      await res.arrayBuffer();
      assert.equal(res.status, 200, `pull ${i + 1}`);
    }
    const query = `repository=${encodeURIComponent(paged)}`;
    let total = 0;
    await stack.waitUntil(
      async () => (total = (await stack.apiJson<{ total: number }>(`/events?${query}`)).total) >= 61,
      60_000,
      'the push and 60 pulls indexed',
    );
    assert.ok(total <= 100, `two pages hold them all (${total})`);

    await page.goto(`${stack.dashboard}/?${query}`);
    await page.waitForSelector('[data-hydrated="true"]');
    const rows = () =>
      page.$$eval('li.event', (items) =>
        (items as unknown as { getAttribute(name: string): string | null; querySelector(s: string): { getAttribute(name: string): string | null } | null }[]).map((item) => ({
          id: item.getAttribute('data-event-id') ?? '',
          repository: item.getAttribute('data-repository') ?? '',
          at: Date.parse(item.querySelector('time')?.getAttribute('datetime') ?? ''),
        })),
      );
    await waitForEvents(page, (shown) => shown.length === 50, 'the first page of 50');
    const first = await rows();
    assert.equal(await page.getByTestId('total').textContent(), `${total} events`);

    await page.getByRole('button', { name: 'Older events' }).click();
    await waitForEvents(page, (shown) => shown.length === total, `all ${total} events after one click`);
    const all = await rows();
    assert.deepEqual(all.slice(0, 50), first, 'the first page stays as it was, on top');
    const next = all.slice(50);
    assert.equal(new Set(all.map((r) => r.id)).size, total, 'no event is shown twice');
    assert.ok(all.every((r) => r.repository === paged), 'only the filtered repository');
    assert.ok(next.every((r) => r.at <= first.at(-1)!.at), 'the next page is older than the end of the first');
    assert.ok(all.every((r, i) => i === 0 || r.at <= all[i - 1]!.at), 'newest first throughout');
    const known = await stack.apiJson<{ events: { id: string }[] }>(`/events?${query}&size=100`);
    assert.deepEqual(new Set(all.map((r) => r.id)), new Set(known.events.map((e) => e.id)), 'exactly the events the API has');
    assert.equal(await page.getByRole('button', { name: 'Older events' }).count(), 0, 'no button once nothing older is left');
    await saveScreenshot(page, 'activity-older-events');
  });
});
