import { rmSync } from 'node:fs';
import { cpuSnapshot, loadBetween } from './machine-load.js';
import type { Profile } from './options.js';
import { RegistryClient } from './registry-client.js';
import type { Results, Session } from './report.js';
import { startServer, type ServerSpec } from './servers.js';
import { peakRss, type Workload } from './workloads/workload.js';

export class SessionError extends Error {
  override readonly name = 'SessionError';
}

/**
 * One workload against one freshly started server on an empty directory: start, run, stop, delete the data.
 * Adds the workload's figures plus start-up time and the server's VmHWM to `results`; returns what the machine
 * did meanwhile. A failed request or a server that dies fails the session, with the server's log tail.
 */
export async function runSession(
  spec: ServerSpec,
  workload: Workload,
  repetition: number,
  profile: Profile,
  dir: string,
  results: Results,
): Promise<Session> {
  const before = cpuSnapshot();
  const server = await startServer(spec, dir);
  results.add(spec.side, {
    key: 'start.ready',
    label: 'start-up, spawn to GET /v2/ 200',
    unit: 'ms',
    better: 'lower',
    value: server.readyMs,
    aggregate: 'median',
  });
  const client = new RegistryClient(server.url);
  let processes = 0;
  try {
    const measurements = await workload.run({ client, server, profile });
    if (!server.alive) throw new Error('server exited during the workload');
    for (const measurement of measurements) results.add(spec.side, measurement);
  } catch (error) {
    throw new SessionError(
      `${workload.name} against ${spec.side} failed: ${(error as Error).message}\n` +
        `--- server log tail ---\n${server.logTail()}`,
      { cause: error },
    );
  } finally {
    await client.close();
    const memory = await server.stop();
    processes = memory.processes;
    results.add(spec.side, peakRss('rss.run', 'peak RSS over the run (VmHWM)', memory.hwmKiB));
    await spec.cleanup?.(server.dataDir);
    rmSync(dir, { recursive: true, force: true });
  }
  const after = cpuSnapshot();
  return {
    workload: workload.name,
    repetition,
    side: spec.side,
    seconds: (after.at - before.at) / 1000,
    processes,
    ...loadBetween(before, after),
  };
}
