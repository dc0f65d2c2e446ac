import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { PathNotFoundError } from '@wharf/registry-core';
import { describeStorageDriver } from './driver-suite.js';
import { SwiftDriver, type SwiftDriverOptions } from './swift.driver.js';
import { SwiftClient } from './swift.client.js';
import { removeTestStore, SWIFT } from './test-servers.js';

function swiftOptions(container: string, extra: Partial<SwiftDriverOptions> = {}): SwiftDriverOptions {
  return {
    credentials: { authUrl: SWIFT.authUrl, authVersion: 1, username: SWIFT.username, password: SWIFT.password, endpointType: 'public' },
    container,
    insecureSkipVerify: false,
    chunkSize: 1024 * 1024,
    prefix: '',
    tempUrlContainerKey: false,
    tempUrlMethods: [],
    ...extra,
  };
}

/**
 * Deletes everything the driver wrote through the driver itself, then checks that it left no
 * object behind (no orphaned segment above all) before dropping the container.
 */
async function dropContainer(driver: SwiftDriver, options: SwiftDriverOptions): Promise<void> {
  await driver.delete('/docker').catch((err: unknown) => {
    if (!(err instanceof PathNotFoundError)) throw err;
  });
  const client = new SwiftClient({ credentials: options.credentials, insecureSkipVerify: false });
  const left: string[] = [];
  try {
    for await (const entry of client.list(options.container, '')) if (entry.name) left.push(entry.name);
  } finally {
    await client.close();
  }
  await removeTestStore('swift', options.container);
  assert.deepEqual(left.slice(0, 20), [], `${left.length} objects were left in ${options.container} after deleting everything`);
}

describeStorageDriver(
  'SwiftDriver',
  async () => {
    // 1 MiB segments (registry:2's minimum) so the suite's larger files span many segments, and
    // listings of 100 so that walks and deletes go over several pages with a few hundred files
    const options = swiftOptions(`suite-${randomBytes(6).toString('hex')}`, { listingPageSize: 100 });
    const driver = new SwiftDriver(options);
    const others: SwiftDriver[] = [];
    return {
      driver,
      another: () => {
        const other = new SwiftDriver(options);
        others.push(other);
        return other;
      },
      cleanup: async () => {
        await Promise.all(others.map((d) => d.close()));
        await dropContainer(driver, options);
        await driver.close();
      },
    };
  },
  // 350 files written at Swift's pace (tens a second here) are still four listing pages
  { redirects: true, manyFiles: 350 },
);

describe('SwiftDriver temp-URL key (registry:2 rule)', () => {
  test('drivers on one container sign with the key already there; a configured secretkey replaces it', async () => {
    const container = `tempurl-${randomBytes(6).toString('hex')}`;
    const first = new SwiftDriver(swiftOptions(container));
    const second = new SwiftDriver(swiftOptions(container));
    const configured = new SwiftDriver(swiftOptions(container, { secretKey: 'configured-secret' }));
    const status = async (driver: SwiftDriver): Promise<number> => {
      const url = await driver.redirectURL('/docker/blob', { method: 'GET', expiresInMs: 60_000 });
      assert.ok(url, `${driver.name} signs a URL`);
      const res = await fetch(url);
      await res.arrayBuffer();
      return res.status;
    };
    try {
      await first.putContent('/docker/blob', 'signed bytes');
      const before = await first.redirectURL('/docker/blob', { method: 'GET', expiresInMs: 60_000 });
      assert.equal(await status(first), 200);
      assert.equal(await status(second), 200, 'a second registry finds the generated key on the container');
      assert.equal(await status(configured), 200, 'the configured key signs');
      assert.equal((await fetch(before!)).status, 401, 'the generated key was replaced by the configured one');
    } finally {
      await Promise.all([second.close(), configured.close()]);
      await dropContainer(first, swiftOptions(container));
      await first.close();
    }
  });
});
