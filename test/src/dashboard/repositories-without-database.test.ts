import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { dockerRemoveImage } from '../support/docker-cli.js';
import { pushTaggedImages } from '../support/docker-round-trip.js';
import { launchChromium, saveScreenshot } from './chromium.js';
import { DashboardStack } from './dashboard-stack.js';

/*
 * The small install: `wharf serve --roles registry,api,dashboard` on filesystem storage with no
 * database. Two tags pushed with Docker are browsable in a real browser; counts show as "—" with
 * a note saying why, the sort picker offers only the name, and the leaderboard keeps its message.
 */
describe('dashboard: repositories without a database', () => {
  let stack: DashboardStack;
  let browser: Browser;
  let page: Page;
  let repo = '';
  const digests: Record<string, string> = {};
  const locals: string[] = [];

  const cell = async (selector: string) => (await page.textContent(selector))?.trim();

  before(async () => {
    stack = await DashboardStack.startWithoutDatabase();
    browser = await launchChromium();
    repo = `small/shop-${stack.runId}`;
    Object.assign(digests, await pushTaggedImages(stack.registryHost, repo, ['v1', 'v2'], 'small shop', locals));
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  after(async () => {
    await browser?.close();
    await stack?.dispose();
    for (const local of locals) await dockerRemoveImage(local).catch(() => undefined);
  });

  test('the list shows the pushed repository, counts as —, the note, and only the name sort', async () => {
    await page.goto(`${stack.dashboard}/repositories?q=${stack.runId}`);
    const row = `tr[data-repository="${repo}"]`;
    await page.waitForSelector(row);
    assert.equal(await page.locator('table[aria-label="Repositories"] tbody tr').count(), 1);
    assert.equal(await cell(`${row} [data-column="pulls"]`), '—', 'unknown, not 0');
    assert.equal(await cell(`${row} [data-column="pushes"]`), '—');
    assert.match((await cell('[data-testid="counters-note"]')) ?? '', /Download counts need the database/);
    const sorts = await page.locator('select[name="sort"] option').allTextContents();
    assert.deepEqual(sorts, ['Name']);
  });

  test('the repository page shows both tags with the pushed digests; downloads are —', async () => {
    await page.getByRole('link', { name: repo }).click();
    await page.waitForSelector('table[aria-label="Tags"]');
    assert.equal(await cell('h1'), repo);
    assert.match((await cell('[data-testid="counters-note"]')) ?? '', /Download counts need the database/);
    assert.equal(await cell('[data-testid="repo-pulls"]'), '—');
    const tags = await page.$$eval('table[aria-label="Tags"] tbody tr', (rows) =>
      (rows as unknown as { getAttribute(n: string): string | null }[]).map((r) => r.getAttribute('data-tag')),
    );
    assert.deepEqual(tags, ['v1', 'v2'], 'by name');
    for (const tag of ['v1', 'v2']) {
      assert.equal(await page.getAttribute(`tr[data-tag="${tag}"] code`, 'title'), digests[tag], `the digest docker pushed for ${tag}`);
      assert.match((await cell(`tr[data-tag="${tag}"]`)) ?? '', /linux\/amd64/);
      assert.equal(await cell(`tr[data-tag="${tag}"] [data-column="pulls"]`), '—');
    }
    assert.equal(await page.locator('.error-message').count(), 0, 'no error message');
    await saveScreenshot(page, 'repositories-without-database');
  });

  test('a tag shows its layers and pull command; the leaderboard says it needs the database', async () => {
    await page.getByRole('link', { name: 'v2', exact: true }).click();
    await page.waitForSelector('[data-testid="tag-details"]');
    assert.equal(await page.locator('table[aria-label="Layers"] tbody tr').count(), 2);
    assert.equal(await cell('[data-testid="tag-pulls"]'), '—');
    assert.equal(await cell('[data-testid="pull-command"]'), `docker pull ${stack.registryHost}/${repo}:v2`);

    await page.goto(`${stack.dashboard}/downloads`);
    assert.match((await page.textContent('.error-message')) ?? '', /no database section is configured/);
  });
});
