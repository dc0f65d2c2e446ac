import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { errorCodes, send } from '../protocol/oci-http.js';
import { freePort } from '../support/free-port.js';
import { RegistryProcess } from '../support/registry-process.js';

/** A backend that either answers HEAD with 200 or accepts connections and never says a word. */
class Backend {
  answering = true;
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;

  constructor() {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      socket.on('data', () => {
        if (this.answering) socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      });
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const INTERVAL_MS = 500;
const THRESHOLD = 2;
/** Generous for a busy machine: the checks need about THRESHOLD × INTERVAL + timeout. */
const WITHIN_MS = 20_000;

describe('health checks: a backend that hangs turns the registry unavailable, and back', { timeout: 120_000 }, () => {
  const backend = new Backend();
  const flagFile = join(tmpdir(), `wharf-health-flag-${process.pid}-${Date.now()}`);
  let registry: RegistryProcess;
  let uri: string;
  let debug: string;

  before(async () => {
    const port = await backend.listen();
    uri = `http://127.0.0.1:${port}/ping`;
    const debugPort = await freePort();
    debug = `http://127.0.0.1:${debugPort}`;
    registry = await RegistryProcess.start({
      kind: 'wharf',
      storage: 'inmemory',
      http: { debug: { addr: `127.0.0.1:${debugPort}` } },
      extraConfig: {
        health: {
          // No timeout: Wharf bounds the probe by its interval (registry:2 would wait forever).
          http: [{ uri, interval: `${INTERVAL_MS}ms`, threshold: THRESHOLD }],
          file: [{ file: flagFile, interval: `${INTERVAL_MS}ms` }],
        },
      },
    });
  });

  after(async () => {
    await registry?.dispose();
    await backend.close();
    rmSync(flagFile, { force: true });
  });

  async function waitForStatus(expected: number): Promise<{ ms: number; body: string }> {
    const started = Date.now();
    const seen: number[] = [];
    while (Date.now() - started < WITHIN_MS) {
      const response = await send(registry.url, 'GET', '/v2/', { timeoutMs: 5_000 });
      seen.push(response.status);
      if (response.status === expected) return { ms: Date.now() - started, body: response.body.toString('utf8') };
      await sleep(100);
    }
    throw new Error(`GET /v2/ never answered ${expected} within ${WITHIN_MS} ms; saw ${[...new Set(seen)].join(', ')}\n${registry.logs.slice(-2_000)}`);
  }

  async function healthReport(): Promise<{ status: number; body: Record<string, string> }> {
    const response = await fetch(`${debug}/debug/health`);
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  }

  it('an http check against a server that accepts and never answers: /v2/ becomes 503 UNAVAILABLE, then 200 when it answers', async () => {
    await waitForStatus(200);
    assert.deepEqual((await healthReport()).body, {});

    backend.answering = false;
    const down = await waitForStatus(503);
    assert.deepEqual(JSON.parse(down.body), {
      errors: [{ code: 'UNAVAILABLE', message: 'service unavailable', detail: 'health check failed: please see /debug/health' }],
    });
    const report = await healthReport();
    assert.equal(report.status, 503);
    assert.deepEqual(report.body, { [uri]: `error while checking: ${uri}` });
    // Every API route is refused, not only the base.
    const catalog = await send(registry.url, 'GET', '/v2/_catalog');
    assert.equal(catalog.status, 503);
    assert.deepEqual(errorCodes(catalog), ['UNAVAILABLE']);

    backend.answering = true;
    await waitForStatus(200);
    assert.deepEqual(await healthReport(), { status: 200, body: {} });
  });

  it('a file check: the file appearing takes the registry out of rotation, removing it brings it back', async () => {
    writeFileSync(flagFile, 'maintenance\n');
    await waitForStatus(503);
    assert.deepEqual((await healthReport()).body, { [flagFile]: 'file exists' });
    rmSync(flagFile);
    await waitForStatus(200);
  });
});
