import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { freePort } from '../support/free-port.js';
import { repoRoot } from '../support/tools.js';

/*
 * `bin/wharf serve CONFIG | head -3`, then SIGTERM: the process must be gone within
 * http.draintimeout plus the shutdown margin whatever its log reader did, and a reader that left
 * or stopped reading never fails a request. Each case runs the real command with its stdout on a
 * pipe this test reads from, then closes or stops reading.
 */

const DRAIN_MS = 2_000;
/** bin/wharf's SHUTDOWN_MARGIN_MS plus time for a busy machine to deliver the signal and exit. */
const EXIT_BOUND_MS = DRAIN_MS + 10_000 + 3_000;

const scratch = mkdtempSync(join(tmpdir(), 'wharf-shutdown-log-'));
const running = new Set<ChildProcess>();
after(() => {
  for (const child of running) child.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

interface Served {
  child: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

/** Starts `bin/wharf serve` with stdout on a pipe; resolves once `linesToRead` lines arrived. */
async function serve(name: string, logLevel: string, linesToRead: number): Promise<Served & { lines: string[] }> {
  const port = await freePort();
  const config = join(scratch, `${name}.yml`);
  writeFileSync(
    config,
    stringify({
      version: 0.1,
      log: { level: logLevel },
      storage: { filesystem: { rootdirectory: join(scratch, name) } },
      http: { addr: `127.0.0.1:${port}`, draintimeout: `${DRAIN_MS / 1000}s` },
    }),
  );
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'wharf'), 'serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  const lines: string[] = [];
  let buffered = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${lines.length} of ${linesToRead} log lines in 30 s; stderr: ${stderr}`)), 30_000);
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      lines.push(...parts);
      if (lines.length >= linesToRead) {
        child.stdout!.off('data', onData);
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', () => reject(new Error(`wharf exited before logging ${linesToRead} lines; stderr: ${stderr}`)));
  });
  return { child, url: `http://127.0.0.1:${port}`, exited, stderr: () => stderr, lines };
}

async function getV2(url: string): Promise<number> {
  const response = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(10_000) });
  await response.arrayBuffer();
  return response.status;
}

/** Sends SIGTERM and returns how long the process took to exit. */
async function terminate(served: Served): Promise<{ ms: number; code: number | null }> {
  const started = performance.now();
  served.child.kill('SIGTERM');
  const bound = sleep(EXIT_BOUND_MS).then(() => 'still running' as const);
  const outcome = await Promise.race([served.exited, bound]);
  const ms = Math.round(performance.now() - started);
  assert.notEqual(outcome, 'still running', `wharf was still running ${ms} ms after SIGTERM (bound ${EXIT_BOUND_MS} ms); stderr: ${served.stderr()}`);
  return { ms, code: (outcome as { code: number | null }).code };
}

describe('SIGTERM whatever the log reader does', () => {
  test('the reader leaves after the first line and SIGTERM follows at once: the process exits, cleanly', async () => {
    const served = await serve('reader-gone', 'info', 1);
    served.child.stdout!.destroy();
    await sleep(200);
    const { ms, code } = await terminate(served);
    assert.equal(code, 0, `exit code ${code} after ${ms} ms; stderr: ${served.stderr()}`);
    assert.doesNotMatch(served.stderr(), /Error|at .*\.js:\d+/, 'no stack trace on stderr');
  });

  test('the reader leaves: requests still succeed, then SIGTERM ends the process', async () => {
    const served = await serve('reader-gone-requests', 'info', 1);
    served.child.stdout!.destroy();
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push(await getV2(served.url));
    assert.deepEqual(statuses, Array(20).fill(200));
    const { ms, code } = await terminate(served);
    assert.equal(code, 0, `exit code ${code} after ${ms} ms; stderr: ${served.stderr()}`);
  });

  test('the reader stops reading (a full pipe): requests still succeed, SIGTERM still ends the process', async () => {
    const served = await serve('reader-stalled', 'debug', 1);
    served.child.stdout!.pause();
    // ~300 bytes of access log per request: well past a 64 KiB pipe buffer
    const statuses: number[] = [];
    for (let round = 0; round < 40; round++) {
      statuses.push(...(await Promise.all(Array.from({ length: 25 }, () => getV2(served.url)))));
    }
    assert.equal(statuses.filter((s) => s === 200).length, 1_000, `statuses other than 200: ${statuses.filter((s) => s !== 200).join(', ')}`);
    const { ms } = await terminate(served);
    assert.ok(ms < EXIT_BOUND_MS, `exited after ${ms} ms`);
    served.child.stdout!.destroy();
  });
});
