import { stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { hostPort, type HealthConfig } from '@wharf/config';
import { isPathNotFound, type StorageDriver } from '@wharf/registry-core';
import { CheckFailed, type HealthCheck } from './health-check.js';

/**
 * The `health` section as checks. A timeout left unset is the check's interval: registry:2 waits
 * forever there (a hung backend then never turns unhealthy), Wharf never longer than one period.
 */
export function healthChecks(config: HealthConfig, driver: StorageDriver): HealthCheck[] {
  const checks: HealthCheck[] = [];
  const { storageDriver } = config;
  if (storageDriver.enabled) {
    checks.push({
      name: `storagedriver_${driver.name}`,
      intervalMs: storageDriver.intervalMs,
      threshold: storageDriver.threshold,
      timeoutMs: storageDriver.intervalMs,
      // Through the driver contract, so it works for every backend; a missing root still proves the backend answers.
      probe: async () => {
        try {
          await driver.stat('/');
        } catch (err) {
          if (!isPathNotFound(err)) throw err;
        }
      },
    });
  }
  for (const c of config.file) {
    checks.push({
      name: c.file,
      intervalMs: c.intervalMs,
      threshold: c.threshold,
      timeoutMs: c.intervalMs,
      probe: async () => {
        try {
          await stat(resolve(c.file));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
          throw err;
        }
        throw new CheckFailed('file exists');
      },
    });
  }
  for (const c of config.http) {
    checks.push({
      name: c.uri,
      intervalMs: c.intervalMs,
      threshold: c.threshold,
      timeoutMs: c.timeoutMs ?? c.intervalMs,
      probe: async (signal) => {
        const headers = new Headers();
        for (const [name, values] of Object.entries(c.headers)) for (const value of values) headers.append(name, value);
        let status: number;
        try {
          const res = await fetch(c.uri, { method: 'HEAD', headers, signal });
          status = res.status;
          await res.body?.cancel();
        } catch {
          throw new CheckFailed(`error while checking: ${c.uri}`);
        }
        if (status !== c.statusCode) throw new CheckFailed(`downstream service returned unexpected status: ${status}`);
      },
    });
  }
  for (const c of config.tcp) {
    const { host, port } = hostPort(c.addr);
    checks.push({
      name: c.addr,
      intervalMs: c.intervalMs,
      threshold: c.threshold,
      timeoutMs: c.timeoutMs ?? c.intervalMs,
      probe: (signal) =>
        new Promise<void>((done, fail) => {
          const socket = connect({ host: host || 'localhost', port, signal });
          socket.once('connect', () => {
            socket.destroy();
            done();
          });
          socket.once('error', () => fail(new CheckFailed(`connection to ${c.addr} failed`)));
        }),
    });
  }
  return checks;
}
