import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Scratch, writeHtpasswd } from '../auth/auth-fixtures.js';
import { freePort } from '../support/free-port.js';
import { RegistryProcess } from '../support/registry-process.js';

/*
 * An API without a users file makes every caller an admin, so unless api.addr says otherwise it
 * listens on loopback only, and says so at start-up. Each case runs the real `bin/wharf serve
 * --roles api`; "another interface" is 127.0.0.2, which reaches a socket bound to every interface
 * but not one bound to 127.0.0.1 (tests send traffic to 127.0.0.0/8 only).
 */

const DEFAULT_PORT = 5080;

/** The status of GET /api/session at `host:port`, or the connection error's code. */
async function probe(host: string, port: number): Promise<number | string> {
  try {
    const response = await fetch(`http://${host}:${port}/api/session`, { signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
    return response.status;
  } catch (error) {
    return (error as { cause?: { code?: string } }).cause?.code ?? String(error);
  }
}

describe('the API address without a users file', () => {
  const scratch = new Scratch();
  const running: RegistryProcess[] = [];
  after(async () => {
    for (const process of running) await process.dispose();
    scratch.cleanup();
  });

  async function api(extraConfig: Record<string, unknown>, readyUrl: string): Promise<RegistryProcess> {
    const process = await RegistryProcess.start({ kind: 'wharf', storage: 'inmemory', roles: ['api'], readyUrl, readyTimeoutMs: 60_000, extraConfig });
    running.push(process);
    return process;
  }

  test('no users file, no api.addr: 127.0.0.1:5080 only, with a warning that names api.addr', async () => {
    const process = await api({}, `http://127.0.0.1:${DEFAULT_PORT}/api/session`);
    assert.equal(await probe('127.0.0.1', DEFAULT_PORT), 200);
    assert.equal(await probe('127.0.0.2', DEFAULT_PORT), 'ECONNREFUSED', 'not reachable on another interface');
    assert.match(process.logs, /wharf api listening on loopback only: without a users file .* set api\.addr to listen on other interfaces/);
    await process.dispose();
  });

  test('with a users file and no api.addr: every interface (:5080), sign-in required', async () => {
    const htpasswd = scratch.path('htpasswd');
    writeHtpasswd(htpasswd, { alice: 'alice-Pa55word!' });
    // deletes off: an api role alone cannot delete for htpasswd users (see api-actor.test.ts)
    const config = { auth: { htpasswd: { realm: 'wharf', path: htpasswd } }, storage: { inmemory: {}, delete: { enabled: false } } };
    const process = await api(config, `http://127.0.0.1:${DEFAULT_PORT}/api/openapi.json`);
    assert.equal(await probe('127.0.0.2', DEFAULT_PORT), 200, 'GET /api/session answers everywhere (it says sign-in is needed)');
    const guarded = await fetch(`http://127.0.0.2:${DEFAULT_PORT}/api/webhooks`);
    assert.equal(guarded.status, 401);
    assert.doesNotMatch(process.logs, /loopback only/);
    await process.dispose();
  });

  test('no users file but an explicit api.addr: listens where it is told', async () => {
    const port = await freePort();
    const process = await api({ api: { addr: `0.0.0.0:${port}` } }, `http://127.0.0.1:${port}/api/session`);
    assert.equal(await probe('127.0.0.2', port), 200);
    assert.doesNotMatch(process.logs, /loopback only/);
    assert.match(process.logs, /the API is open, every caller is an admin/);
    await process.dispose();
  });
});
