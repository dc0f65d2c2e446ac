import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { RegistryEvent } from '@wharf/events';
import { basic, fetchToken, Scratch, tokenAuthSections, tokenKeyPair, tokenServerSection, writeHtpasswd } from '../auth/auth-fixtures.js';
import { pushImage, V2_ROOT } from '../protocol/oci-operations.js';
import { freePort } from '../support/free-port.js';
import { RegistryProcess } from '../support/registry-process.js';
import { PrivateRedis, Receiver, waitFor } from '../pipeline/queue-redis.js';

/*
 * Only the registry writes storage and emits events. A delete through the API is made by the
 * registry, whichever process the api role runs in, and its registry:2 event names the signed-in
 * user as actor and comes from the registry's own spool: the same `source` as the registry's pull
 * events, and no second spool beside the registry's.
 */
const PASSWORDS = { alice: 'alice-secret-pw', bob: 'bob-secret-pw' };
// A second delete event could only come from a second writer; give one time to show up.
const QUIET_MS = 2_000;

describe('deletes through the API are the registry\'s, with the signed-in user as actor', () => {
  const scratch = new Scratch();
  const htpasswd = scratch.path('htpasswd');
  const pair = tokenKeyPair(scratch);
  let redis: PrivateRedis;
  let receiver: Receiver;
  const processes: RegistryProcess[] = [];

  before(async () => {
    writeHtpasswd(htpasswd, PASSWORDS);
    redis = await PrivateRedis.start();
    receiver = await Receiver.start();
  });

  after(async () => {
    for (const running of processes.reverse()) await running.dispose();
    await receiver?.close();
    await redis?.dispose();
    scratch.cleanup();
  });

  /** Pipeline sections every process of these tests shares: one Redis, one listening endpoint. */
  function pipeline(): Record<string, unknown> {
    return {
      redis: { addr: `127.0.0.1:${redis.port}` },
      notifications: { endpoints: [{ name: 'listener', url: receiver.url, timeout: '2s', threshold: 5, backoff: '1s' }] },
    };
  }

  async function started(options: Parameters<typeof RegistryProcess.start>[0]): Promise<RegistryProcess> {
    const running = await RegistryProcess.start({ readyTimeoutMs: 60_000, ...options });
    processes.push(running);
    return running;
  }

  /** Images pushed by an open registry on a fresh storage root (in the scratch folder), before the one under test starts on it. */
  async function seededStorage(repo: string, tags: string[]): Promise<string> {
    const root = scratch.path(`storage-${repo.replace(/\W/g, '-')}`);
    mkdirSync(root);
    const seeder = await RegistryProcess.start({ storageRoot: root });
    for (const tag of tags) await pushImage(seeder.url, repo, tag);
    await seeder.dispose();
    return root;
  }

  function events(repo: string): RegistryEvent[] {
    return receiver.requests.flatMap((r) => (JSON.parse(r.body) as { events: RegistryEvent[] }).events).filter((e) => e.target.repository === repo);
  }

  async function signIn(api: string, user: keyof typeof PASSWORDS): Promise<string> {
    const res = await fetch(`${api}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: user, password: PASSWORDS[user] }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    return ((await res.json()) as { token: string }).token;
  }

  /** The one delete event of `tag`, checked to stay the only one; and the registry's pull event beside it. */
  async function deleteAndPullEvents(repo: string, tag: string): Promise<{ deleted: RegistryEvent; pulled: RegistryEvent }> {
    const deletes = () => events(repo).filter((e) => e.action === 'delete' && e.target.tag === tag);
    const pulls = () => events(repo).filter((e) => e.action === 'pull');
    await waitFor(() => deletes().length > 0 && pulls().length > 0, 30_000, () => `found ${deletes().length} delete and ${pulls().length} pull events of ${repo}`);
    await sleep(QUIET_MS);
    assert.equal(deletes().length, 1, `exactly one delete event: ${JSON.stringify(deletes())}`);
    return { deleted: deletes()[0]!, pulled: pulls()[0]! };
  }

  function assertFromRegistrySpool(storageRoot: string, deleted: RegistryEvent, pulled: RegistryEvent): void {
    assert.deepEqual(deleted.source, pulled.source, 'the delete comes from the registry that served the pull');
    assert.ok(existsSync(join(storageRoot, 'wharf', 'spool')), 'the registry spools beside its storage');
    assert.ok(!existsSync(join(storageRoot, 'wharf', 'spool', 'api')), 'no second spool for the api');
  }

  test('roles in two processes: the API signs a registry token for the user and deletes over /v2', async () => {
    const repo = `actor/split-${process.pid}`;
    const storageRoot = await seededStorage(repo, ['v1', 'v2']);
    const access = { admins: ['alice'] };
    const registry = await started({
      storageRoot,
      extraConfig: (host) => ({ ...pipeline(), ...tokenAuthSections(host, pair), ...tokenServerSection(pair, htpasswd), access }),
    });
    const apiPort = await freePort();
    const api = `http://127.0.0.1:${apiPort}`;
    // The same file as the registry's: the API finds the registry at its http.addr.
    await started({
      roles: ['api'],
      storageRoot,
      readyUrl: `${api}/api/openapi.json`,
      http: { addr: registry.host },
      extraConfig: { ...pipeline(), ...tokenAuthSections(registry.host, pair), ...tokenServerSection(pair, htpasswd), access, api: { addr: `127.0.0.1:${apiPort}` } },
    });

    const refused = await fetch(`${api}/api/repositories/${repo}/tags/v1`, { method: 'DELETE', headers: { authorization: basic('bob', PASSWORDS.bob) } });
    assert.equal(refused.status, 403, 'a reader may not delete');

    const session = await signIn(api, 'alice');
    const deleted = await fetch(`${api}/api/repositories/${repo}/tags/v1`, { method: 'DELETE', headers: { authorization: `Bearer ${session}`, 'user-agent': 'actor-test/1' } });
    assert.equal(deleted.status, 204, await deleted.text());
    assert.ok(!existsSync(join(storageRoot, V2_ROOT, 'repositories', repo, '_manifests', 'tags', 'v1')), 'the tag is gone from storage');
    assert.ok(existsSync(join(storageRoot, V2_ROOT, 'repositories', repo, '_manifests', 'tags', 'v2')), 'the other tag stays');

    const token = await fetchToken(registry.url, [`repository:${repo}:pull`], ['alice', PASSWORDS.alice]);
    const pull = await fetch(`${registry.url}/v2/${repo}/manifests/v2`, { headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.oci.image.manifest.v1+json' } });
    assert.equal(pull.status, 200);
    const { deleted: event, pulled } = await deleteAndPullEvents(repo, 'v1');
    assert.deepEqual(event.target, { repository: repo, tag: 'v1' });
    assert.deepEqual(event.actor, { name: 'alice' });
    assert.equal(event.request.method, 'DELETE');
    assert.equal(event.request.useragent, 'actor-test/1');
    assertFromRegistrySpool(storageRoot, event, pulled);
    assert.ok(!JSON.stringify(receiver.requests.map((r) => r.body)).includes(session), 'the session token is not in any event');

    const unknown = await fetch(`${api}/api/repositories/${repo}/tags/nope`, { method: 'DELETE', headers: { authorization: `Bearer ${session}` } });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { code: string }).code, 'MANIFEST_UNKNOWN', "the registry's own answer");

    await registry.stop();
    const down = await fetch(`${api}/api/repositories/${repo}/tags/v2`, { method: 'DELETE', headers: { authorization: `Bearer ${session}` } });
    const body = (await down.json()) as { code: string; message: string };
    assert.equal(down.status, 503, JSON.stringify(body));
    assert.equal(body.code, 'REGISTRY_UNAVAILABLE');
    assert.match(body.message, /does not answer/);
  });

  test('roles in one process with htpasswd: the registry\'s own services delete, its spool carries the event', async () => {
    const repo = `actor/one-${process.pid}`;
    const storageRoot = await seededStorage(repo, ['v1', 'v2']);
    const apiPort = await freePort();
    const api = `http://127.0.0.1:${apiPort}`;
    const registry = await started({
      roles: ['registry', 'api'],
      storageRoot,
      extraConfig: { ...pipeline(), auth: { htpasswd: { realm: 'wharf', path: htpasswd } }, access: { admins: ['alice'], rules: [{ repositories: ['**'], users: ['bob'], actions: ['pull'] }] }, api: { addr: `127.0.0.1:${apiPort}` } },
    });
    await waitFor(async () => (await fetch(`${api}/api/openapi.json`).catch(() => undefined))?.ok === true, 30_000, () => `api not up: ${registry.logs}`);

    const session = await signIn(api, 'alice');
    const deleted = await fetch(`${api}/api/repositories/${repo}/tags/v1`, { method: 'DELETE', headers: { authorization: `Bearer ${session}` } });
    assert.equal(deleted.status, 204, await deleted.text());
    const pull = await fetch(`${registry.url}/v2/${repo}/manifests/v2`, { headers: { authorization: basic('bob', PASSWORDS.bob), accept: 'application/vnd.oci.image.manifest.v1+json' } });
    assert.equal(pull.status, 200);
    const tags = (await (await fetch(`${registry.url}/v2/${repo}/tags/list`, { headers: { authorization: basic('bob', PASSWORDS.bob) } })).json()) as { tags: string[] };
    assert.deepEqual(tags.tags, ['v2']);

    const { deleted: event, pulled } = await deleteAndPullEvents(repo, 'v1');
    assert.deepEqual(event.actor, { name: 'alice' });
    assert.deepEqual(pulled.actor, { name: 'bob' });
    assertFromRegistrySpool(storageRoot, event, pulled);
  });

  test('roles in two processes with htpasswd and deletes on: the api refuses to start, naming the key', async () => {
    const apiPort = await freePort();
    await assert.rejects(
      RegistryProcess.start({
        roles: ['api'],
        storage: 'inmemory',
        readyUrl: `http://127.0.0.1:${apiPort}/api/openapi.json`,
        readyTimeoutMs: 20_000,
        extraConfig: { auth: { htpasswd: { realm: 'wharf', path: htpasswd } }, api: { addr: `127.0.0.1:${apiPort}` } },
      }),
      (error: Error) => {
        assert.match(error.message, /exited with 1/);
        assert.match(error.message, /auth\.htpasswd: the api role deletes through a registry in another process/);
        assert.match(error.message, /--roles registry,api/);
        return true;
      },
    );
  });
});
