import { randomBytes } from 'node:crypto';
import { describeStorageDriver } from './driver-suite.js';
import { SwiftDriver, type SwiftDriverOptions } from './swift.driver.js';
import { SwiftClient } from './swift.client.js';

/** The one-node Swift scripts/swift.sh runs (scripts/test.sh starts it). */
export const SWIFT_AUTH_URL = process.env['WHARF_SWIFT_AUTH_URL'] ?? 'http://127.0.0.1:6480/auth/v1.0';

export function swiftOptions(container: string, extra: Partial<SwiftDriverOptions> = {}): SwiftDriverOptions {
  return {
    credentials: { authUrl: SWIFT_AUTH_URL, authVersion: 1, username: 'wharf:tester', password: 'testing', endpointType: 'public' },
    container,
    insecureSkipVerify: false,
    chunkSize: 1024 * 1024,
    prefix: '',
    tempUrlContainerKey: false,
    tempUrlMethods: [],
    ...extra,
  };
}

/** Deletes a test container and everything in it. */
export async function dropContainer(options: SwiftDriverOptions): Promise<void> {
  const client = new SwiftClient({ credentials: options.credentials, insecureSkipVerify: false });
  try {
    const names: string[] = [];
    for await (const entry of client.list(options.container, '')) if (entry.name) names.push(entry.name);
    for (const object of names) await client.call({ method: 'DELETE', container: options.container, object, accept: [404] });
    await client.call({ method: 'DELETE', container: options.container, accept: [404] });
  } finally {
    await client.close();
  }
}

describeStorageDriver('SwiftDriver', async () => {
  // 1 MiB segments (registry:2's minimum) so the suite's larger files span many segments
  const options = swiftOptions(`suite-${randomBytes(6).toString('hex')}`);
  const driver = new SwiftDriver(options);
  return {
    driver,
    cleanup: async () => {
      await driver.close();
      await dropContainer(options);
    },
  };
});
