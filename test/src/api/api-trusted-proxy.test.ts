import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Agent, fetch as undiciFetch } from 'undici';
import { Scratch, writeHtpasswd } from '../auth/auth-fixtures.js';
import { freePort } from '../support/free-port.js';
import { RegistryProcess } from '../support/registry-process.js';

/*
 * api.trustedproxies on POST /api/session, on real `wharf serve --roles api` processes: from a trusted
 * peer (the dashboard's server, nginx) the client is the X-Forwarded-For address, so one client's
 * wrong passwords throttle only that client; from other peers the header is ignored. Unset, the API
 * trusts loopback (the dashboard role runs beside it). Each "machine" is its own loopback address.
 */
const SECRET = 'api-session-signing-secret-for-tests-0123456789';
const PROXY = '127.0.10.1';
const STRANGER = '127.0.10.2';
const LIMIT = 3;

describe('API sign-in behind a trusted proxy (api.trustedproxies)', () => {
  const scratch = new Scratch();
  const agents: Agent[] = [];
  const apis: RegistryProcess[] = [];

  function from(localAddress: string): Agent {
    const agent = new Agent({ localAddress });
    agents.push(agent);
    return agent;
  }

  async function startApi(api: Record<string, unknown>): Promise<string> {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    apis.push(
      await RegistryProcess.start({
        roles: ['api'],
        readyUrl: `${base}/api/openapi.json`,
        // deletes off: an api role alone cannot delete for htpasswd users (see api-actor.test.ts)
        storage: 'inmemory',
        extraConfig: {
          storage: { inmemory: {}, delete: { enabled: false } },
          auth: { htpasswd: { realm: 'wharf', path: scratch.path('htpasswd') } },
          failedlogins: { limit: LIMIT, window: '1m' },
          api: { addr: `127.0.0.1:${port}`, secret: SECRET, ...api },
        },
      }),
    );
    return base;
  }

  let listed = '';
  let defaults = '';

  before(async () => {
    writeHtpasswd(scratch.path('htpasswd'), { alice: 'alice-pw' });
    listed = await startApi({ trustedproxies: [PROXY] });
    defaults = await startApi({});
  });

  after(async () => {
    for (const agent of agents) await agent.close();
    for (const api of apis) await api.dispose();
    scratch.cleanup();
  });

  async function signIn(base: string, agent: Agent, password: string, forwardedFor?: string): Promise<number> {
    const res = await undiciFetch(`${base}/api/session`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', ...(forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }) },
      body: JSON.stringify({ username: 'alice', password }),
    });
    await res.arrayBuffer();
    return res.status;
  }

  test('through a listed proxy, client A exhausts its own limit and client B still signs in', async () => {
    const proxy = from(PROXY);
    for (let i = 0; i < LIMIT; i++) assert.equal(await signIn(listed, proxy, `guess-${i}`, '203.0.113.30'), 401, `failure ${i + 1}`);
    assert.equal(await signIn(listed, proxy, 'alice-pw', '203.0.113.30'), 429, 'A is limited, the right password included');
    assert.equal(await signIn(listed, proxy, 'alice-pw', '203.0.113.31'), 201, 'B signs in through the same proxy');
    assert.equal(await signIn(listed, proxy, 'alice-pw', '192.0.2.1, 203.0.113.30'), 429, 'the appended entry decides, not a forged first one');
  });

  test('from a peer not in the list, X-Forwarded-For is ignored and the limit is shared', async () => {
    const stranger = from(STRANGER);
    for (let i = 0; i < LIMIT; i++) assert.equal(await signIn(listed, stranger, `guess-${i}`, `198.51.100.${i}`), 401, `failure ${i + 1}`);
    assert.equal(await signIn(listed, stranger, 'alice-pw', '198.51.100.99'), 429);
    // 127.0.0.1 is loopback but not listed: an explicit list replaces the default
    const local = from('127.0.10.3');
    for (let i = 0; i < LIMIT; i++) assert.equal(await signIn(listed, local, `guess-${i}`, `198.51.101.${i}`), 401);
    assert.equal(await signIn(listed, local, 'alice-pw', '198.51.101.99'), 429);
  });

  test('unset, the API trusts loopback peers such as the dashboard server beside it', async () => {
    const dashboard = from('127.0.10.4');
    for (let i = 0; i < LIMIT; i++) assert.equal(await signIn(defaults, dashboard, `guess-${i}`, '203.0.113.40'), 401, `failure ${i + 1}`);
    assert.equal(await signIn(defaults, dashboard, 'alice-pw', '203.0.113.40'), 429);
    assert.equal(await signIn(defaults, dashboard, 'alice-pw', '203.0.113.41'), 201, 'another browser behind the dashboard signs in');
    assert.equal(await signIn(defaults, dashboard, 'alice-pw'), 201, "the dashboard's own address is not limited");
  });
});
