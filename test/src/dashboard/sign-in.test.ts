import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DockerUser, Scratch, writeHtpasswd } from '../auth/auth-fixtures.js';
import { docker, dockerRemoveImage } from '../support/docker-cli.js';
import { buildImage, uniqueName } from '../support/images.js';
import { launchChromium, saveScreenshot } from './chromium.js';
import { DashboardStack } from './dashboard-stack.js';

/*
 * Sign-in and roles over a stack whose registry and API use an htpasswd file: nothing shows before
 * signing in, a wrong password is a message, the token lives in an httpOnly cookie, a reader sees
 * no write controls (and the API refuses a write anyway), an admin sees and uses them. Failed
 * sign-ins are limited per browser, not per dashboard: the dashboard passes the browser's address on.
 */
const FAILED_LOGIN_LIMIT = 3;
const ALICE = { user: 'alice', password: 'alice-Pa55word!' }; // admin
const BOB = { user: 'bob', password: 'bob-Pa55word!' }; // reader

describe('dashboard: sign-in and roles', () => {
  const scratch = new Scratch();
  const pusher = new DockerUser();
  let stack: DashboardStack;
  let browser: Browser;
  let repo = '';
  let local = '';

  async function signedIn(credentials: { user: string; password: string }): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${stack.dashboard}/sign-in`);
    await page.getByLabel('User name').fill(credentials.user);
    await page.getByLabel('Password').fill(credentials.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${stack.dashboard}/`);
    await page.getByTestId('signed-in-as').waitFor();
    return { context, page };
  }

  before(async () => {
    const htpasswd = scratch.path('htpasswd');
    writeHtpasswd(htpasswd, { [ALICE.user]: ALICE.password, [BOB.user]: BOB.password });
    stack = await DashboardStack.start({
      config: {
        auth: { htpasswd: { realm: 'wharf', path: htpasswd } },
        access: { admins: [ALICE.user] },
        failedlogins: { limit: FAILED_LOGIN_LIMIT, window: '1m' },
      },
      apiSecret: 'dashboard-session-signing-secret-0123456789',
    });
    browser = await launchChromium();
    repo = `team/signed-${stack.runId}`;
    local = `wharf-local/${uniqueName('dash')}:v1`;
    await buildImage(local, 'signed');
    const login = await pusher.login(stack.registryHost, ALICE.user, ALICE.password);
    assert.equal(login.code, 0, login.stderr);
    await docker(['tag', local, `${stack.registryHost}/${repo}:v1`]);
    await pusher.run(['push', `${stack.registryHost}/${repo}:v1`]);
    await dockerRemoveImage(`${stack.registryHost}/${repo}:v1`);
  });

  after(async () => {
    await browser?.close();
    await stack?.dispose();
    await dockerRemoveImage(local).catch(() => undefined);
    pusher.cleanup();
    scratch.cleanup();
  });

  test('before signing in, pages ask for it instead of showing data', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${stack.dashboard}/webhooks`);
      const alert = page.locator('main [role="alert"]');
      assert.match((await alert.textContent()) ?? '', /Sign in to see this page/);
      await page.getByRole('link', { name: 'Sign in' }).first().click();
      await page.waitForURL(/\/sign-in/);
      await page.getByLabel('User name').fill(ALICE.user);
      await page.getByLabel('Password').fill('not-the-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('form [role="alert"]').waitFor();
      assert.equal((await page.textContent('form [role="alert"]'))?.trim(), 'Wrong user name or password.');
      await saveScreenshot(page, 'sign-in-wrong-password');
    } finally {
      await page.close();
    }
  });

  test('an admin signs in, the token is an httpOnly cookie, and write controls show', async () => {
    const { context, page } = await signedIn(ALICE);
    try {
      assert.match((await page.getByTestId('signed-in-as').textContent()) ?? '', /alice \(admin\)/);
      const [cookie] = (await context.cookies()).filter((c) => c.name === 'wharf_session');
      assert.ok(cookie?.httpOnly, 'httpOnly session cookie');
      assert.equal(await page.evaluate('document.cookie.includes("wharf_session")'), false, 'page scripts cannot read it');
      await page.goto(`${stack.dashboard}/webhooks`);
      await page.getByRole('link', { name: 'New webhook' }).waitFor();
      await page.goto(`${stack.dashboard}/repositories/${repo}?tag=v1`);
      await page.getByRole('button', { name: 'Delete tag v1' }).waitFor();
      await saveScreenshot(page, 'sign-in-admin');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(/\/sign-in/);
      await page.goto(`${stack.dashboard}/webhooks`);
      assert.match((await page.locator('main [role="alert"]').textContent()) ?? '', /Sign in to see this page/, 'signed out for real');
    } finally {
      await context.close();
    }
  });

  test('a reader sees the data but no write controls, and a write is refused', async () => {
    const { context, page } = await signedIn(BOB);
    try {
      assert.match((await page.getByTestId('signed-in-as').textContent()) ?? '', /bob \(reader\)/);
      await page.goto(`${stack.dashboard}/repositories/${repo}?tag=v1`);
      await page.getByTestId('tag-details').waitFor();
      assert.equal(await page.getByRole('button', { name: /Delete/ }).count(), 0, 'no delete for a reader');
      await page.goto(`${stack.dashboard}/webhooks`);
      await page.locator('h1').waitFor();
      assert.equal(await page.getByRole('link', { name: 'New webhook' }).count(), 0, 'no create for a reader');
      // the API decides, not the UI: a write sent anyway through the dashboard is refused
      const status = await page.evaluate(`fetch('/api/webhooks', {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({name: 'x', url: 'http://127.0.0.1:1/'})}).then((r) => r.status)`);
      assert.equal(status, 403);
      await saveScreenshot(page, 'sign-in-reader');
    } finally {
      await context.close();
    }
  });

  test("one browser's wrong passwords lock out that browser only, not everyone signing in through the dashboard", async () => {
    // Two browsers on other machines, as a proxy in front of the dashboard would name them; the
    // dashboard appends the address it saw, and the API (trusting loopback) takes the browser's.
    const browserAt = (address: string) => browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': address } });
    const attempt = async (page: Page, password: string): Promise<string> => {
      await page.goto(`${stack.dashboard}/sign-in`);
      await page.getByLabel('User name').fill(ALICE.user);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const outcome = page.locator('form [role="alert"]').or(page.getByTestId('signed-in-as'));
      await outcome.first().waitFor();
      return (await page.getByTestId('signed-in-as').count()) > 0 ? 'signed in' : ((await page.textContent('form [role="alert"]')) ?? '').trim();
    };
    const guesser = await browserAt('203.0.113.60');
    const other = await browserAt('203.0.113.61');
    try {
      const guesserPage = await guesser.newPage();
      for (let i = 0; i < FAILED_LOGIN_LIMIT; i++) assert.equal(await attempt(guesserPage, `guess-${i}`), 'Wrong user name or password.', `guess ${i + 1}`);
      assert.match(await attempt(guesserPage, ALICE.password), /^Too many failed sign-ins\. Please try again in \d+ s\.$/, 'the guessing browser is limited');
      await saveScreenshot(guesserPage, 'sign-in-too-many-failures');
      assert.equal(await attempt(await other.newPage(), ALICE.password), 'signed in', 'another browser through the same dashboard signs in');
    } finally {
      await guesser.close();
      await other.close();
    }
  });
});
