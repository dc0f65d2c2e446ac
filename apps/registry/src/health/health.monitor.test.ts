import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { CheckFailed, type HealthCheck } from './health-check.js';
import { HealthMonitor } from './health.monitor.js';

async function until(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

test('threshold failures in a row turn a check unhealthy; one success turns it healthy again', async () => {
  let failing = false;
  let runs = 0;
  const check: HealthCheck = {
    name: 'flaky',
    intervalMs: 20,
    threshold: 3,
    timeoutMs: 1_000,
    probe: async () => {
      runs++;
      if (failing) throw new CheckFailed('down');
    },
  };
  const monitor = new HealthMonitor([check]);
  try {
    assert.ok(monitor.healthy(), 'healthy before the first run');
    await until('two runs', () => runs >= 2);
    failing = true;
    const failedFrom = runs;
    await until('two failures', () => runs >= failedFrom + 2);
    assert.ok(monitor.healthy() || runs >= failedFrom + 3, `two failures of three allowed are still healthy (runs ${runs})`);
    await until('unhealthy', () => !monitor.healthy());
    assert.deepEqual(monitor.failures(), { flaky: 'down' });
    failing = false;
    await until('healthy again', () => monitor.healthy());
    assert.deepEqual(monitor.failures(), {});
  } finally {
    await monitor.stop();
  }
});

test('a probe that never settles fails at its timeout', async () => {
  const check: HealthCheck = { name: 'hung', intervalMs: 20, threshold: 1, timeoutMs: 50, probe: () => new Promise(() => undefined) };
  const monitor = new HealthMonitor([check]);
  try {
    await until('the hung probe to count as a failure', () => !monitor.healthy(), 2_000);
    assert.match(monitor.failures()['hung'] ?? '', /no answer within 50 ms/);
  } finally {
    await monitor.stop();
  }
});
