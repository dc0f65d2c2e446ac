import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { RegistryEvent } from '@wharf/events';
import { dockerRemoveImage, ensureDocker } from '../support/docker-cli.js';
import { importImage, uniqueName } from '../support/images.js';
import { RegistryProcess } from '../support/registry-process.js';
import { Receiver, SHARED_REDIS_PORT, sharedRedis, waitFor } from '../pipeline/queue-redis.js';
import { basic, DockerUser, Scratch, writeHtpasswd } from './auth-fixtures.js';

/*
 * auth.htpasswd with an access list, driven by the real Docker engine: docker login, push and pull
 * where the ACL allows, the right status and OCI code where it does not, the signed-in user as the
 * event's actor, and an edited htpasswd file taking effect without a restart.
 */
describe('htpasswd auth with the Docker engine', () => {
  const scratch = new Scratch();
  const htpasswd = scratch.path('htpasswd');
  const users: DockerUser[] = [];
  const images: string[] = [];
  let reg: RegistryProcess;
  let receiver: Receiver;
  const team = uniqueName('team');

  const dockerUser = (): DockerUser => {
    const user = new DockerUser();
    users.push(user);
    return user;
  };

  before(async () => {
    await ensureDocker();
    await sharedRedis();
    receiver = await Receiver.start();
    writeHtpasswd(htpasswd, { alice: 'alice-pw', bob: 'b:o:b pw' });
    reg = await RegistryProcess.start({
      kind: 'wharf',
      extraConfig: {
        auth: { htpasswd: { realm: 'wharf-test', path: htpasswd } },
        access: {
          groups: { devs: ['bob'] },
          admins: ['alice'],
          rules: [
            { repositories: ['public/**'], users: ['*', 'anonymous'], actions: ['pull'] },
            { repositories: [`${team}/*`], users: ['group:devs'], actions: ['pull', 'push'] },
          ],
        },
        redis: { addr: `127.0.0.1:${SHARED_REDIS_PORT}` },
        notifications: { endpoints: [{ name: uniqueName('auth-events'), url: receiver.url, timeout: '2s', threshold: 3, backoff: '1s' }] },
      },
    });
  });

  after(async () => {
    for (const ref of images) await dockerRemoveImage(ref);
    for (const user of users) user.cleanup();
    await reg?.dispose();
    await receiver?.close();
    scratch.cleanup();
  });

  test('GET /v2/ without credentials: 401, Basic challenge with the realm, OCI UNAUTHORIZED', async () => {
    const res = await fetch(`${reg.url}/v2/`);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Basic realm="wharf-test"');
    assert.equal(((await res.json()) as { errors: { code: string }[] }).errors[0]!.code, 'UNAUTHORIZED');
  });

  test('docker login succeeds with the right password (one with colons and a space) and fails with a wrong one', { timeout: 120_000 }, async () => {
    const bob = dockerUser();
    const ok = await bob.login(reg.host, 'bob', 'b:o:b pw');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Login Succeeded/);
    const wrong = await dockerUser().login(reg.host, 'bob', 'b:o:b');
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /unauthorized|401/i);
    const unknown = await dockerUser().login(reg.host, 'mallory', 'alice-pw');
    assert.notEqual(unknown.code, 0);
  });

  test('push and pull exactly where the ACL allows; refusals are 403 DENIED (signed in) or 401 (anonymous)', { timeout: 300_000 }, async () => {
    const local = await importImage(`wharf-local/${uniqueName('acl')}:v1`, 'hello from the acl test');
    images.push(local.id);
    const bob = dockerUser();
    assert.equal((await bob.login(reg.host, 'bob', 'b:o:b pw')).code, 0);
    const alice = dockerUser();
    assert.equal((await alice.login(reg.host, 'alice', 'alice-pw')).code, 0);

    // bob (group devs) may push to team/*
    const teamRef = `${reg.host}/${team}/app:v1`;
    images.push(teamRef);
    await bob.run(['tag', local.ref, teamRef]);
    const pushed = await bob.run(['push', teamRef], true);
    assert.equal(pushed.code, 0, pushed.stderr);

    // ... but not to public/** (pull only) nor outside his rules
    const publicRef = `${reg.host}/public/${uniqueName('tool')}:v1`;
    images.push(publicRef);
    await bob.run(['tag', local.ref, publicRef]);
    const refused = await bob.run(['push', publicRef], true);
    assert.notEqual(refused.code, 0, 'bob must not push to public/**');
    assert.match(refused.stderr + refused.stdout, /denied/i);
    const put = await fetch(`${reg.url}/v2/public/x/blobs/uploads/`, { method: 'POST', headers: { Authorization: basic('bob', 'b:o:b pw') } });
    assert.equal(put.status, 403);
    assert.equal(((await put.json()) as { errors: { code: string }[] }).errors[0]!.code, 'DENIED');

    // alice (admin) may push anywhere, and list the catalog; bob may not list it
    const adminPush = await alice.run(['push', publicRef], true);
    assert.equal(adminPush.code, 0, adminPush.stderr);
    const catalog = await fetch(`${reg.url}/v2/_catalog`, { headers: { Authorization: basic('alice', 'alice-pw') } });
    assert.equal(catalog.status, 200);
    assert.ok(((await catalog.json()) as { repositories: string[] }).repositories.includes(`${team}/app`));
    assert.equal((await fetch(`${reg.url}/v2/_catalog`, { headers: { Authorization: basic('bob', 'b:o:b pw') } })).status, 403);

    // Anonymous reads follow the ACL too: public/** yes, team/* no. (Docker itself cannot pull
    // anonymously from a Basic-auth registry: it refuses a Basic challenge on /v2/ without
    // credentials. The token server is the way to anonymous docker pulls.)
    const publicPath = publicRef.slice(reg.host.length).replace(':v1', '/manifests/v1');
    const accept = { Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' };
    assert.equal((await fetch(`${reg.url}/v2${publicPath}`, { headers: accept })).status, 200);
    const manifest = await fetch(`${reg.url}/v2/${team}/app/manifests/v1`, { headers: accept });
    assert.equal(manifest.status, 401);
    assert.equal(manifest.headers.get('www-authenticate'), 'Basic realm="wharf-test"');
    const wrongPassword = await fetch(`${reg.url}/v2${publicPath}`, { headers: { ...accept, Authorization: basic('bob', 'nope') } });
    assert.equal(wrongPassword.status, 401, 'wrong credentials are refused even where anonymous reads are allowed');

    // bob pulls what he pushed
    await dockerRemoveImage(teamRef);
    const pulled = await bob.run(['pull', teamRef], true);
    assert.equal(pulled.code, 0, pulled.stderr);

    // the signed-in user is the event's actor; the anonymous pull has none
    const events = (): RegistryEvent[] => receiver.requests.flatMap((r) => (JSON.parse(r.body) as { events: RegistryEvent[] }).events);
    const find = (action: string, repository: string, actor: string | undefined) =>
      events().find((e) => e.action === action && e.target.repository === repository && e.actor.name === actor);
    await waitFor(
      () => Boolean(find('push', `${team}/app`, 'bob') && find('push', publicRef.split('/').slice(1).join('/').split(':')[0]!, 'alice')),
      30_000,
      () => `push events by bob and alice, got ${JSON.stringify(events().map((e) => [e.action, e.target.repository, e.actor]))}`,
    );
    await waitFor(
      () => events().some((e) => e.action === 'pull' && e.target.repository.startsWith('public/') && e.actor.name === undefined),
      30_000,
      () => 'an anonymous pull event',
    );
    for (const e of events()) assert.ok(!JSON.stringify(e).includes('alice-pw') && !JSON.stringify(e).includes('b:o:b pw'), 'no password in events');
  });

  test('an edited htpasswd file takes effect without a restart', { timeout: 120_000 }, async () => {
    const pid = reg.pid;
    appendFileSync(htpasswd, execFileSync('htpasswd', ['-Bbn', 'carol', 'carol-pw'], { encoding: 'utf8' }));
    const carol = dockerUser();
    const login = await carol.login(reg.host, 'carol', 'carol-pw');
    assert.equal(login.code, 0, login.stderr);

    writeHtpasswd(htpasswd, { alice: 'alice-new', bob: 'b:o:b pw' });
    assert.equal((await fetch(`${reg.url}/v2/`, { headers: { Authorization: basic('alice', 'alice-pw') } })).status, 401, 'the old password stops working');
    assert.equal((await fetch(`${reg.url}/v2/`, { headers: { Authorization: basic('alice', 'alice-new') } })).status, 200);
    assert.equal((await fetch(`${reg.url}/v2/`, { headers: { Authorization: basic('carol', 'carol-pw') } })).status, 401, 'a removed user is refused');
    assert.equal(reg.pid, pid, 'same process');
  });
});
