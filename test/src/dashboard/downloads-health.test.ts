import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { docker, dockerPush, dockerRemoveImage } from '../support/docker-cli.js';
import { buildImage, uniqueName } from '../support/images.js';
import { launchChromium, saveScreenshot } from './chromium.js';
import { DashboardStack } from './dashboard-stack.js';

/*
 * The downloads leaderboard and the health page over the real stack: two repositories pulled a
 * different number of times with Docker rank in that order, by repository and by tag; the queues
 * of the indexer, counter and deployer show as flowing. Pages also fit a phone's width.
 */
describe('dashboard: downloads and health', () => {
  let stack: DashboardStack;
  let browser: Browser;
  let page: Page;
  let hot = '';
  let cold = '';
  const locals: string[] = [];

  before(async () => {
    stack = await DashboardStack.start();
    browser = await launchChromium();
    hot = `rank/hot-${stack.runId}`;
    cold = `rank/cold-${stack.runId}`;
    for (const repo of [hot, cold]) {
      const local = `wharf-local/${uniqueName('dash')}:v1`;
      locals.push(local);
      await buildImage(local, repo);
      await docker(['tag', local, `${stack.registryHost}/${repo}:v1`]);
      await dockerPush(`${stack.registryHost}/${repo}:v1`);
      await dockerRemoveImage(`${stack.registryHost}/${repo}:v1`);
    }
    for (const repo of [hot, hot, cold]) {
      await docker(['pull', `${stack.registryHost}/${repo}:v1`]);
      await dockerRemoveImage(`${stack.registryHost}/${repo}:v1`);
    }
    await stack.waitUntil(
      async () => {
        const board = await stack.apiJson<{ items: { pulls: number }[] }>('/downloads/leaderboard?period=day');
        return board.items.reduce((sum, i) => sum + i.pulls, 0) === 3;
      },
      60_000,
      'three downloads counted',
    );
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  after(async () => {
    await browser?.close();
    await stack?.dispose();
    for (const local of locals) await dockerRemoveImage(local).catch(() => undefined);
  });

  const entries = () =>
    page.$$eval('table[aria-label="Leaderboard"] tbody tr', (rows) =>
      (rows as unknown as { getAttribute(n: string): string | null; querySelector(s: string): { textContent: string | null } | null }[]).map(
        (r) => `${r.getAttribute('data-entry')} ${r.querySelector('[data-column="pulls"]')?.textContent ?? ''}`,
      ),
    );

  test('the leaderboard ranks repositories by downloads', async () => {
    await page.goto(`${stack.dashboard}/downloads`);
    assert.deepEqual(await entries(), [`${hot} 2`, `${cold} 1`]);
    await saveScreenshot(page, 'downloads-by-repository');
  });

  test('the period picker and the tag ranking change the board and the URL', async () => {
    await page.getByRole('link', { name: 'All time' }).click();
    await page.waitForURL(/period=all/);
    assert.deepEqual(await entries(), [`${hot} 2`, `${cold} 1`]);
    await page.getByRole('link', { name: 'Tags' }).click();
    await page.waitForURL(/by=tag/);
    assert.match(page.url(), /period=all/, 'the period is kept');
    await page.waitForSelector(`tr[data-entry="${hot}:v1"]`);
    assert.deepEqual(await entries(), [`${hot}:v1 2`, `${cold}:v1 1`]);
    await saveScreenshot(page, 'downloads-by-tag');
  });

  test('the health page shows every worker queue flowing, with workers and no dead letters', async () => {
    await page.goto(`${stack.dashboard}/health`);
    for (const queue of ['events.indexer', 'events.counter', 'events.deployer']) {
      const row = `tr[data-queue="${queue}"]`;
      await page.waitForSelector(row);
      assert.equal((await page.textContent(`${row} [data-column="state"]`))?.trim(), 'flowing', queue);
      assert.ok(Number(await page.textContent(`${row} [data-column="workers"]`)) >= 1, `${queue} has a worker`);
      assert.equal((await page.textContent(`${row} [data-column="failed"]`))?.trim(), '0');
    }
    assert.equal((await page.textContent('[data-testid="webhooks-health"]'))?.trim(), 'No webhooks configured.');
    await saveScreenshot(page, 'health');
  });

  test('at a phone width the pages do not scroll sideways', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    try {
      for (const [path, name] of [
        [`/?q=${stack.runId}`, 'phone-activity'],
        ['/downloads', 'phone-downloads'],
        [`/repositories/${hot}`, 'phone-repository'],
      ] as const) {
        await phone.goto(`${stack.dashboard}${path}`);
        await phone.waitForLoadState('networkidle');
        const width = (await phone.evaluate('document.documentElement.scrollWidth')) as number;
        assert.ok(width <= 390, `${path} is ${width}px wide at 390px`);
        await saveScreenshot(phone, name);
      }
    } finally {
      await phone.close();
    }
  });
});
