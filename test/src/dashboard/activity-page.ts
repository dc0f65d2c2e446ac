import type { Page } from 'playwright-core';

/** One result row of the activity search as a user reads it. */
export interface ShownEvent {
  id: string;
  action: string;
  repository: string;
  text: string;
}

function shownEvents(page: Page): Promise<ShownEvent[]> {
  // runs in the page; typed structurally since the tests compile without the DOM library
  return page.$$eval('li.event', (rows) =>
    (rows as unknown as { getAttribute(name: string): string | null; textContent: string | null }[]).map((row) => ({
      id: row.getAttribute('data-event-id') ?? '',
      action: row.getAttribute('data-action') ?? '',
      repository: row.getAttribute('data-repository') ?? '',
      text: row.textContent ?? '',
    })),
  );
}

/** Waits until the shown results satisfy `check` (results update asynchronously as the user types). */
export async function waitForEvents(page: Page, check: (events: ShownEvent[]) => boolean, what: string, timeoutMs = 30_000): Promise<ShownEvent[]> {
  const deadline = Date.now() + timeoutMs;
  let last: ShownEvent[] = [];
  while (Date.now() < deadline) {
    last = await shownEvents(page);
    const busy = await page.$('ol.results[aria-busy="true"]');
    if (!busy && check(last)) return last;
    await page.waitForTimeout(150);
  }
  throw new Error(`timed out waiting for ${what}; shown: ${JSON.stringify(last.map((e) => `${e.action} ${e.repository}`))}`);
}
