import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RegistryEvent } from '@wharf/events';
import { send } from '../protocol/oci-http.js';
import { OCI_MANIFEST, pushImage } from '../protocol/oci-operations.js';
import { tail } from '../support/exec.js';
import { repoRoot } from '../support/tools.js';
import { freePort, PrivateRedis, Receiver, waitFor } from './queue-redis.js';

/*
 * The real registry process (`bin/wharf serve`), whose registry role composes the event pipeline:
 * pushes and pulls reach a registry:2 endpoint as registry:2 envelopes, and events of requests
 * answered while Redis was down survive a SIGKILL of the registry.
 */
const ENVELOPE_KEYS = ['action', 'actor', 'id', 'request', 'source', 'target', 'timestamp'];
const REQUEST_KEYS = ['addr', 'host', 'id', 'method', 'useragent'];

describe('registry events through the pipeline to a registry:2 endpoint', () => {
  let redis: PrivateRedis;
  let receiver: Receiver;
  let dir: string;
  let base = '';
  let child: ChildProcess | undefined;
  let output = '';

  async function startRegistry(): Promise<void> {
    output = '';
    const proc = spawn(process.execPath, [join(repoRoot, 'bin/wharf'), 'serve', join(dir, 'config.yml')], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    proc.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    proc.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    await waitFor(
      () => {
        if (proc.exitCode !== null) throw new Error(`registry exited: ${tail(output)}`);
        return output.includes('wharf registry listening');
      },
      30_000,
      () => `registry not ready: ${tail(output)}`,
    );
  }

  async function kill(signal: NodeJS.Signals): Promise<void> {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill(signal);
    await gone;
  }

  before(async () => {
    redis = await PrivateRedis.start();
    receiver = await Receiver.start();
    dir = mkdtempSync(join(tmpdir(), 'wharf-registry-pipeline-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    writeFileSync(
      join(dir, 'config.yml'),
      `version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'storage')}\nhttp:\n  addr: 127.0.0.1:${port}\n` +
        `redis:\n  addr: 127.0.0.1:${redis.port}\n` +
        `notifications:\n  endpoints:\n    - name: listener\n      url: ${receiver.url}\n      timeout: 2s\n      threshold: 5\n      backoff: 200ms\n` +
        `      ignoredmediatypes: [application/octet-stream]\n`,
    );
    await startRegistry();
  });

  after(async () => {
    await kill('SIGTERM');
    await receiver?.close();
    await redis?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  function received(): RegistryEvent[] {
    return receiver.requests.filter((r) => r.status < 400).flatMap((r) => (JSON.parse(r.body) as { events: RegistryEvent[] }).events);
  }

  test('a push and a pull arrive as registry:2 envelopes, one event per request', async () => {
    const image = await pushImage(base, 'pipeline/app', 'v1');
    const pulled = await send(base, 'GET', '/v2/pipeline/app/manifests/v1', { headers: { Accept: OCI_MANIFEST } });
    assert.equal(pulled.status, 200);

    // Blob events carry application/octet-stream, which this endpoint ignores (as registry:2's ignoredmediatypes).
    await waitFor(() => received().length >= 2, 10_000, () => `received ${JSON.stringify(received().map((e) => e.action))}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const events = received();
    assert.deepEqual(
      events.map((e) => [e.action, e.target.repository, e.target.tag, e.target.digest]),
      [
        ['push', 'pipeline/app', 'v1', image.digest],
        ['pull', 'pipeline/app', 'v1', image.digest],
      ],
    );
    for (const event of events) {
      assert.deepEqual(Object.keys(event).sort(), ENVELOPE_KEYS);
      assert.deepEqual(Object.keys(event.request).sort(), REQUEST_KEYS);
      assert.equal(event.target.mediaType, OCI_MANIFEST);
      assert.equal(event.target.size, image.manifest.length);
      assert.equal(event.target.length, image.manifest.length);
      assert.match(event.target.url!, /\/v2\/pipeline\/app\/manifests\/sha256:/);
      // registry:2's source.addr: this host's name and the listening port.
      assert.equal(event.source.addr, `${hostname()}:${new URL(base).port}`);
    }
    for (const request of receiver.requests) assert.equal((JSON.parse(request.body) as { events: unknown[] }).events.length, 1);
  });

  test('events of requests answered while Redis was down survive a SIGKILL of the registry', async () => {
    const before = received().length;
    await redis.stop();
    const started = Date.now();
    const image = await pushImage(base, 'pipeline/app', 'v2');
    const pulled = await send(base, 'GET', '/v2/pipeline/app/manifests/v2', { headers: { Accept: OCI_MANIFEST } });
    assert.equal(pulled.status, 200);
    assert.ok(Date.now() - started < 5_000, 'the registry answers while Redis is down');
    await kill('SIGKILL');

    await redis.start();
    await startRegistry();
    await waitFor(() => received().length >= before + 2, 20_000, () => `received ${received().length - before} of 2 after the restart`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const late = received().slice(before);
    assert.deepEqual(
      late.map((e) => [e.action, e.target.tag, e.target.digest]),
      [
        ['push', 'v2', image.digest],
        ['pull', 'v2', image.digest],
      ],
    );
    const ids = received().map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, 'no event delivered twice');
  });
});
