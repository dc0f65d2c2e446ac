import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { docker, dockerRemoveImage } from '../support/docker-cli.js';
import { pushTaggedImages } from '../support/docker-round-trip.js';
import { launchChromium, saveScreenshot } from './chromium.js';
import { DashboardStack } from './dashboard-stack.js';

/*
 * Repositories in a real browser over the real stack: two tags pushed with Docker, one of them
 * pulled twice (rmi between, so both are real downloads); the list and the repository page show
 * the tags and the download counts the counter recorded.
 */
describe('dashboard: repositories', () => {
  let stack: DashboardStack;
  let browser: Browser;
  let page: Page;
  let repo = '';
  const digests: Record<string, string> = {};
  const locals: string[] = [];

  const cell = async (selector: string) => (await page.textContent(selector))?.trim();

  before(async () => {
    stack = await DashboardStack.start();
    browser = await launchChromium();
    repo = `dash/shop-${stack.runId}`;
    Object.assign(digests, await pushTaggedImages(stack.registryHost, repo, ['v1', 'v2'], 'shop', locals));
    for (let i = 0; i < 2; i++) {
      await docker(['pull', `${stack.registryHost}/${repo}:v1`]);
      await dockerRemoveImage(`${stack.registryHost}/${repo}:v1`);
    }
    await stack.waitUntil(
      async () => (await stack.apiJson<{ pulls: number }>(`/repositories/${repo}`)).pulls === 2,
      60_000,
      'two downloads counted',
    );
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.dashboard });
    page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
  });

  after(async () => {
    await browser?.close();
    await stack?.dispose();
    for (const local of locals) await dockerRemoveImage(local).catch(() => undefined);
  });

  test('the list shows the repository with its downloads and pushes', async () => {
    await page.goto(`${stack.dashboard}/repositories`);
    await page.getByLabel('Filter repositories by name').fill(stack.runId);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(new RegExp(`q=${stack.runId}`));
    const row = `tr[data-repository="${repo}"]`;
    await page.waitForSelector(row);
    assert.equal(await page.locator('table[aria-label="Repositories"] tbody tr').count(), 1, 'the filter leaves this repository alone');
    assert.equal(await cell(`${row} [data-column="pulls"]`), '2');
    assert.equal(await cell(`${row} [data-column="pushes"]`), '2');
    await saveScreenshot(page, 'repositories-list');
  });

  test('the repository page lists both tags with their own download counts', async () => {
    await page.getByRole('link', { name: repo }).click();
    await page.waitForSelector('table[aria-label="Tags"]');
    assert.equal(await cell('h1'), repo);
    assert.equal(await cell('[data-testid="repo-pulls"]'), '2');
    const tags = await page.$$eval('table[aria-label="Tags"] tbody tr', (rows) =>
      (rows as unknown as { getAttribute(n: string): string | null }[]).map((r) => r.getAttribute('data-tag')),
    );
    assert.deepEqual([...tags].sort(), ['v1', 'v2']);
    assert.equal(await cell('tr[data-tag="v1"] [data-column="pulls"]'), '2', 'v1 was pulled twice');
    assert.equal(await cell('tr[data-tag="v2"] [data-column="pulls"]'), '0', 'v2 was never pulled');
    assert.equal(await cell('tr[data-tag="v2"] [data-column="pushes"]'), '1');
    await saveScreenshot(page, 'repository-page');
  });

  test('a tag shows its manifest, layers and a docker pull command that copies', async () => {
    await page.getByRole('link', { name: 'v1', exact: true }).click();
    await page.waitForSelector('[data-testid="tag-details"]');
    assert.equal(await page.getAttribute('tr[data-tag="v1"] code', 'title'), digests['v1'], 'the tags table shows the pushed digest');
    assert.match((await cell('tr[data-tag="v1"]')) ?? '', /linux\/amd64/, 'the platform of the image');
    assert.equal(await page.locator('table[aria-label="Layers"] tbody tr').count(), 2, 'busybox and the message layer');
    assert.equal(await cell('[data-testid="tag-pulls"]'), '2');
    const command = `docker pull ${stack.registryHost}/${repo}:v1`;
    assert.equal(await cell('[data-testid="pull-command"]'), command);
    await page.getByRole('button', { name: /Copy docker pull/ }).click();
    await page.getByRole('button', { name: /Copy docker pull/ }).filter({ hasText: 'Copied' }).waitFor();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), command);
    await saveScreenshot(page, 'repository-tag-details');
  });

  test('an admin deletes a tag and it is gone from the registry and the page', async () => {
    await page.goto(`${stack.dashboard}/repositories/${repo}?tag=v2`);
    await page.getByRole('button', { name: 'Delete tag v2' }).click();
    await page.waitForURL(/deleted=v2/);
    await page.waitForSelector('table[aria-label="Tags"]');
    assert.equal(await page.locator('table[aria-label="Tags"] tr[data-tag="v2"]').count(), 0, 'v2 is no longer among the tags');
    assert.equal(await page.locator('table[aria-label="Tags"] tr[data-tag="v1"]').count(), 1);
    assert.equal(await cell('table[aria-label="Deleted tags"] tr[data-tag="v2"] [data-column="pulls"]'), '0', 'its counters stay, listed apart');
    const tags = (await (await fetch(`http://${stack.registryHost}/v2/${repo}/tags/list`)).json()) as { tags: string[] };
    assert.deepEqual(tags.tags, ['v1'], 'the registry no longer has v2');
    await saveScreenshot(page, 'repository-tag-deleted');
  });

  test('an unknown repository is a message, not an error page', async () => {
    const response = await page.goto(`${stack.dashboard}/repositories/dash/nothing-${stack.runId}`);
    assert.equal(response?.status(), 200);
    assert.match((await page.textContent('main [role="alert"]')) ?? '', /No repository named dash\/nothing-/);
  });
});
