import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Receiver } from '../pipeline/queue-redis.js';
import { launchChromium, saveScreenshot } from './chromium.js';
import { DashboardStack } from './dashboard-stack.js';

/*
 * Webhooks in a real browser over the real stack: a subscription to a local receiver is created in
 * the form, pinged, and the ping shows in the delivery log with its status, latency and response;
 * a redelivery and disabling work from the same page.
 */
describe('dashboard: webhooks', () => {
  let stack: DashboardStack;
  let browser: Browser;
  let page: Page;
  let receiver: Receiver;
  let secret = '';
  const name = 'deploy shop';

  before(async () => {
    stack = await DashboardStack.start();
    receiver = await Receiver.start();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('dialog', (dialog) => void dialog.accept());
  });

  after(async () => {
    await browser?.close();
    await stack?.dispose();
    await receiver?.close();
  });

  test('a webhook is created in the form and its secret shown once', async () => {
    await page.goto(`${stack.dashboard}/webhooks`);
    assert.match((await page.textContent('.empty')) ?? '', /No webhooks yet/);
    await page.getByRole('link', { name: 'New webhook' }).click();
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('URL').fill(receiver.url);
    await page.getByLabel('Repository glob').fill(`shop-${stack.runId}/**`);
    await page.getByRole('button', { name: 'Create webhook' }).click();
    secret = ((await page.locator('[data-testid="webhook-secret"]').textContent({ timeout: 15_000 })) ?? '').trim();
    assert.ok(secret.length >= 16, 'a generated secret');
    await saveScreenshot(page, 'webhook-created');
    await page.getByRole('link', { name: 'Open the webhook' }).click();
    await page.waitForURL(/\/webhooks\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { level: 1, name }).waitFor();
    assert.ok(!(await page.content()).includes(secret), 'the secret is never shown again');
  });

  test('a test ping reaches the receiver, signed, and shows in the delivery log', async () => {
    await page.getByRole('button', { name: 'Send test ping' }).click();
    await stack.waitUntil(() => receiver.requests.length >= 1, 30_000, 'ping delivered');
    const ping = receiver.requests[0]!;
    assert.equal(ping.headers['x-wharf-event'], 'ping');
    const expected = createHmac('sha256', secret).update(`${String(ping.headers['x-wharf-timestamp'])}.${ping.body}`).digest('hex');
    assert.equal(String(ping.headers['x-wharf-signature']).replace(/^sha256=/, ''), expected, 'signed with the secret shown at creation');

    const row = page.locator('table[aria-label="Delivery log"] tr[data-kind="ping"]');
    await row.first().waitFor({ timeout: 15_000 });
    assert.match((await row.first().locator('[data-column="status"]').textContent()) ?? '', /^200 ok$/);
    assert.match((await row.first().locator('[data-column="latency"]').textContent()) ?? '', /^\d+ ms$/);
    assert.equal((await row.first().locator('[data-column="response"]').textContent())?.trim(), 'ok', "the receiver's answer");
    await saveScreenshot(page, 'webhook-delivery-log');
  });

  test('redeliver sends the ping again as a new delivery', async () => {
    await page.locator('table[aria-label="Delivery log"] tr[data-kind="ping"]').first().getByRole('button', { name: 'Redeliver' }).click();
    await stack.waitUntil(() => receiver.requests.length >= 2, 30_000, 'redelivery');
    await page.locator('table[aria-label="Delivery log"] tr[data-kind="redelivery"]').first().waitFor({ timeout: 15_000 });
  });

  test('disabling shows in the page and the list', async () => {
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.locator('[data-state="disabled"]').first().waitFor({ timeout: 15_000 });
    const hooks = await stack.apiJson<{ items: { name: string; enabled: boolean }[] }>('/webhooks');
    assert.deepEqual(hooks.items.map((h) => [h.name, h.enabled]), [[name, false]]);
    await page.goto(`${stack.dashboard}/webhooks`);
    assert.equal((await page.textContent(`tr[data-webhook="${name}"] [data-state]`))?.trim(), 'disabled');
    await saveScreenshot(page, 'webhooks-list');
  });

  test('the API refusing a bad URL is shown as its message', async () => {
    await page.goto(`${stack.dashboard}/webhooks/new`);
    await page.getByLabel('Name').fill('broken');
    // the browser accepts this as a URL; the API does not (not http/https)
    await page.getByLabel('URL').fill('ftp://example.com/hook');
    await page.getByRole('button', { name: 'Create webhook' }).click();
    const alert = page.locator('form [role="alert"]');
    await alert.waitFor({ timeout: 15_000 });
    assert.match((await alert.textContent()) ?? '', /url: expected an absolute http:\/\/ or https:\/\/ URL/);
  });
});
