import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Agent, fetch as undiciFetch } from 'undici';
import type { RegistryEvent } from '@wharf/events';
import { uniqueName } from '../support/images.js';
import { RegistryProcess } from '../support/registry-process.js';
import { pushImage } from '../protocol/oci-operations.js';
import { Receiver, SHARED_REDIS_PORT, sharedRedis, waitFor } from '../pipeline/queue-redis.js';
import { basic, Scratch, writeHtpasswd } from './auth-fixtures.js';

/*
 * http.trustedproxies: behind a proxy every client shares the proxy's address. From a trusted peer
 * the registry takes the client from X-Forwarded-For, so one client's wrong passwords throttle that
 * client only, and events name it; from any other peer the header is ignored. Each "machine" is its
 * own loopback source address.
 */
const PROXY = '127.0.9.1';
const STRANGER = '127.0.9.2';
const LIMIT = 3;

describe('registry behind a trusted proxy (http.trustedproxies)', () => {
  const scratch = new Scratch();
  const agents: Agent[] = [];
  let reg: RegistryProcess;
  let open: RegistryProcess;
  let receiver: Receiver;

  function from(localAddress: string): Agent {
    const agent = new Agent({ localAddress });
    agents.push(agent);
    return agent;
  }

  before(async () => {
    const htpasswd = scratch.path('htpasswd');
    writeHtpasswd(htpasswd, { bob: 'bob-pw' });
    reg = await RegistryProcess.start({
      kind: 'wharf',
      storage: 'inmemory',
      http: { trustedproxies: [PROXY] },
      extraConfig: { auth: { htpasswd: { realm: 'proxy', path: htpasswd } }, failedlogins: { limit: LIMIT, window: '1m' } },
    });
    await sharedRedis();
    receiver = await Receiver.start();
    open = await RegistryProcess.start({
      kind: 'wharf',
      storage: 'inmemory',
      http: { trustedproxies: [`${PROXY}/32`] },
      extraConfig: {
        redis: { addr: `127.0.0.1:${SHARED_REDIS_PORT}` },
        notifications: { endpoints: [{ name: uniqueName('proxy-events'), url: receiver.url, timeout: '2s', threshold: 3, backoff: '1s' }] },
      },
    });
  });

  after(async () => {
    for (const agent of agents) await agent.close();
    await reg?.dispose();
    await open?.dispose();
    await receiver?.close();
    scratch.cleanup();
  });

  const signIn = (agent: Agent, password: string, forwardedFor?: string) =>
    undiciFetch(`${reg.url}/v2/`, {
      dispatcher: agent,
      headers: { authorization: basic('bob', password), ...(forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }) },
    }).then(async (res) => {
      await res.arrayBuffer();
      return res.status;
    });

  test('through the trusted proxy, failures count against the forwarded client only', async () => {
    const proxy = from(PROXY);
    for (let i = 0; i < LIMIT; i++) assert.equal(await signIn(proxy, `wrong-${i}`, '203.0.113.10'), 401, `failure ${i + 1} of client A`);
    assert.equal(await signIn(proxy, 'bob-pw', '203.0.113.10'), 429, 'client A is limited, the right password included');
    assert.equal(await signIn(proxy, 'bob-pw', '203.0.113.11'), 200, 'client B behind the same proxy still signs in');
    // a proxy appends the peer it saw: the client is the right-most untrusted entry, not a forged first one
    assert.equal(await signIn(proxy, 'bob-pw', '203.0.113.10, 203.0.113.12'), 200, 'a forged first entry is not the client');
    assert.equal(await signIn(proxy, 'bob-pw', '203.0.113.12, 203.0.113.10'), 429, 'the entry the proxy appended is');
    assert.equal(await signIn(proxy, 'bob-pw'), 200, "the proxy's own address is not limited");
  });

  test('from a peer that is not trusted the header is ignored: every value shares the peer’s limit', async () => {
    const stranger = from(STRANGER);
    for (let i = 0; i < LIMIT; i++) assert.equal(await signIn(stranger, `wrong-${i}`, `198.51.100.${i}`), 401, `failure ${i + 1}`);
    assert.equal(await signIn(stranger, 'bob-pw', '198.51.100.200'), 429, 'a fresh X-Forwarded-For does not escape the limit');
    assert.equal(await signIn(stranger, 'bob-pw'), 429);
  });

  test("events name the forwarded client from a trusted proxy, the peer's ip:port otherwise", { timeout: 60_000 }, async () => {
    const name = uniqueName('proxied');
    await pushImage(open.url, name, 'v1');
    const pull = async (agent: Agent, userAgent: string) => {
      const res = await undiciFetch(`${open.url}/v2/${name}/manifests/v1`, {
        dispatcher: agent,
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json', 'x-forwarded-for': '203.0.113.20', 'user-agent': userAgent },
      });
      await res.arrayBuffer();
      assert.equal(res.status, 200);
    };
    await pull(from(PROXY), 'via-trusted-proxy');
    await pull(from(STRANGER), 'from-stranger');
    const events = (): RegistryEvent[] => receiver.requests.flatMap((r) => (JSON.parse(r.body) as { events: RegistryEvent[] }).events);
    const pullBy = (userAgent: string) => events().find((e) => e.action === 'pull' && e.request.useragent === userAgent);
    await waitFor(() => Boolean(pullBy('via-trusted-proxy') && pullBy('from-stranger')), 30_000, () => `two pull events, got ${events().length} events`);
    assert.equal(pullBy('via-trusted-proxy')!.request.addr, '203.0.113.20');
    assert.match(pullBy('from-stranger')!.request.addr, new RegExp(`^${STRANGER.replaceAll('.', '\\.')}:\\d+$`));
  });
});
