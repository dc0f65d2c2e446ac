import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RegistryEvent } from '@wharf/events';
import { basic, Scratch, writeHtpasswd } from '../auth/auth-fixtures.js';
import { pushImage } from '../protocol/oci-operations.js';
import { freePort } from '../support/free-port.js';
import { RegistryProcess } from '../support/registry-process.js';
import { PrivateRedis, Receiver, waitFor } from '../pipeline/queue-redis.js';

/*
 * A delete through the signed-in API is the user's: the registry:2 delete event names them as its
 * actor. A registry process and a separate `--roles api` process with htpasswd sign-in share the
 * storage root and Redis; the registry's endpoint delivery brings the api's events to a listener.
 */
describe('deletes through the API carry the signed-in user', () => {
  const scratch = new Scratch();
  const repo = `actor/app-${process.pid}`;
  let redis: PrivateRedis;
  let receiver: Receiver;
  let registry: RegistryProcess;
  let api: RegistryProcess;
  let base = '';

  before(async () => {
    redis = await PrivateRedis.start();
    receiver = await Receiver.start();
    const notifications = { endpoints: [{ name: 'listener', url: receiver.url, timeout: '2s', threshold: 5, backoff: '1s' }] };
    registry = await RegistryProcess.start({ extraConfig: { redis: { addr: `127.0.0.1:${redis.port}` }, notifications } });
    writeHtpasswd(scratch.path('htpasswd'), { alice: 'alice-secret-pw', bob: 'bob-secret-pw' });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    api = await RegistryProcess.start({
      roles: ['api'],
      storageRoot: registry.storageRoot!,
      readyUrl: `${base}/api/openapi.json`,
      extraConfig: {
        redis: { addr: `127.0.0.1:${redis.port}` },
        notifications,
        auth: { htpasswd: { realm: 'wharf', path: scratch.path('htpasswd') } },
        access: { admins: ['alice'] },
        api: { addr: `127.0.0.1:${port}` },
      },
    });
    await pushImage(registry.url, repo, 'v1');
    await pushImage(registry.url, repo, 'v2');
  });

  after(async () => {
    await api?.dispose();
    await registry?.dispose();
    await receiver?.close();
    await redis?.dispose();
    scratch.cleanup();
  });

  async function tags(): Promise<string[]> {
    return ((await (await fetch(`${registry.url}/v2/${repo}/tags/list`)).json()) as { tags: string[] }).tags.sort();
  }

  test('a reader may not delete; an admin may, and the event names the admin', async () => {
    const refused = await fetch(`${base}/api/repositories/${repo}/tags/v1`, { method: 'DELETE', headers: { authorization: basic('bob', 'bob-secret-pw') } });
    assert.equal(refused.status, 403);
    assert.deepEqual(await tags(), ['v1', 'v2']);

    const session = (await (
      await fetch(`${base}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: 'alice-secret-pw' }) })
    ).json()) as { token: string };
    const deleted = await fetch(`${base}/api/repositories/${repo}/tags/v1`, { method: 'DELETE', headers: { authorization: `Bearer ${session.token}` } });
    assert.equal(deleted.status, 204);
    assert.deepEqual(await tags(), ['v2']);

    const deletes = (): RegistryEvent[] =>
      receiver.requests.flatMap((r) => (JSON.parse(r.body) as { events: RegistryEvent[] }).events).filter((e) => e.action === 'delete');
    await waitFor(() => deletes().length > 0, 30_000, () => `no delete event; api logs: ${api.logs.slice(-2000)}`);
    const [event] = deletes();
    assert.deepEqual(event!.target, { repository: repo, tag: 'v1' });
    assert.deepEqual(event!.actor, { name: 'alice' });
    assert.equal(event!.request.method, 'DELETE');
    assert.equal(deletes().length, 1, 'the refused delete sent nothing');
    assert.ok(!JSON.stringify(receiver.requests.map((r) => r.body)).includes(session.token), 'the token is not in the event');
  });
});
