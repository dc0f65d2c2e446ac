import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseCertificates, TokenIssuer } from '@wharf/auth';
import { createPrivateKey } from 'node:crypto';
import { dockerRemoveImage, ensureDocker } from '../support/docker-cli.js';
import { importImage, uniqueName } from '../support/images.js';
import { RegistryProcess } from '../support/registry-process.js';
import { basic, DockerUser, fetchToken, Scratch, TOKEN_ISSUER, TOKEN_SERVICE, tokenAuthSections, tokenKeyPair, tokenServerSection, writeHtpasswd } from './auth-fixtures.js';

const form = (fields: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields),
});

/*
 * auth.token with Wharf's own token server and access list, driven by the real Docker engine; and
 * the same tokens verified by the reference registry (docker-registry) configured with the same
 * certificate, including how both answer a missing, broken, expired or too narrow token.
 */
describe('token auth and the token server with the Docker engine', () => {
  const scratch = new Scratch();
  const htpasswd = scratch.path('htpasswd');
  const pair = tokenKeyPair(scratch);
  const users: DockerUser[] = [];
  const images: string[] = [];
  const team = uniqueName('team');
  let wharf: RegistryProcess;
  let reference: RegistryProcess;
  let localRef: string;

  const dockerUser = (): DockerUser => {
    const user = new DockerUser();
    users.push(user);
    return user;
  };
  const codeOf = async (res: Response): Promise<string | undefined> => ((await res.json()) as { errors?: { code: string }[] }).errors?.[0]?.code;

  before(async () => {
    await ensureDocker();
    writeHtpasswd(htpasswd, { alice: 'alice-pw', bob: 'bob-pw' });
    const access = {
      groups: { devs: ['bob'] },
      admins: ['alice'],
      rules: [
        { repositories: ['public/**'], users: ['*', 'anonymous'], actions: ['pull'] },
        { repositories: [`${team}/*`], users: ['group:devs'], actions: ['pull', 'push'] },
      ],
    };
    wharf = await RegistryProcess.start({
      kind: 'wharf',
      // debug logging with the access log, so the secrets check at the end sees everything the registry logs
      extraConfig: (host) => ({ ...tokenAuthSections(host, pair), ...tokenServerSection(pair, htpasswd), access, log: { level: 'debug', formatter: 'json' } }),
    });
    reference = await RegistryProcess.start({ kind: 'reference', extraConfig: tokenAuthSections(wharf.host, pair) });
    const local = await importImage(`wharf-local/${uniqueName('token')}:v1`, 'hello from the token test');
    localRef = local.ref;
    images.push(local.id);
  });

  after(async () => {
    for (const ref of images) await dockerRemoveImage(ref);
    for (const user of users) user.cleanup();
    await reference?.dispose();
    await wharf?.dispose();
    scratch.cleanup();
  });

  test('the token server: anonymous grants only, wrong credentials 401, unknown service 400, scopes cut to the ACL', async () => {
    const decode = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string; aud: string; iss: string; access: unknown[] };
    const anonymous = decode(await fetchToken(wharf.url, [`repository:${team}/app:pull`, 'repository:public/x:pull,push']));
    assert.deepEqual(anonymous.access, [{ type: 'repository', name: 'public/x', actions: ['pull'] }]);
    assert.equal(anonymous.sub, '');
    const bob = decode(await fetchToken(wharf.url, [`repository:${team}/app:pull,push,delete`, 'registry:catalog:*'], ['bob', 'bob-pw']));
    assert.deepEqual(bob, { ...bob, sub: 'bob', aud: TOKEN_SERVICE, iss: TOKEN_ISSUER, access: [{ type: 'repository', name: `${team}/app`, actions: ['pull', 'push'] }] });

    const wrong = await fetch(`${wharf.url}/auth/token?service=${TOKEN_SERVICE}`, { headers: { Authorization: basic('bob', 'nope') } });
    assert.equal(wrong.status, 401);
    assert.match(wrong.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    assert.equal(await codeOf(wrong), 'UNAUTHORIZED');
    assert.ok(!JSON.stringify(await fetch(`${wharf.url}/auth/token?service=${TOKEN_SERVICE}`).then((r) => r.json())).includes('bob-pw'));
    const other = await fetch(`${wharf.url}/auth/token?service=someone-else`);
    assert.equal(other.status, 400);

    const posted = await fetch(`${wharf.url}/auth/token`, form({ grant_type: 'password', username: 'alice', password: 'alice-pw', service: TOKEN_SERVICE, scope: 'registry:catalog:*', client_id: 'docker' }));
    assert.equal(posted.status, 200);
    const body = (await posted.json()) as { token: string; access_token: string; expires_in: number; issued_at: string; refresh_token?: string };
    assert.equal(body.access_token, body.token);
    assert.equal(body.expires_in, 300);
    assert.deepEqual(decode(body.token).access, [{ type: 'registry', name: 'catalog', actions: ['*'] }]);
    assert.equal(body.refresh_token, undefined, 'no refresh token without offline access');
  });

  test('refresh tokens: offline requests get one, it buys access tokens, and a new password revokes it', async () => {
    const offline = await fetch(`${wharf.url}/auth/token?service=${TOKEN_SERVICE}&offline_token=true&client_id=docker`, { headers: { Authorization: basic('alice', 'alice-pw') } });
    const refresh = ((await offline.json()) as { refresh_token?: string }).refresh_token;
    assert.ok(refresh);
    const refreshed = await fetch(`${wharf.url}/auth/token`, form({ grant_type: 'refresh_token', refresh_token: refresh, service: TOKEN_SERVICE, scope: 'registry:catalog:*', client_id: 'docker' }));
    assert.equal(refreshed.status, 200);
    const token = ((await refreshed.json()) as { token: string }).token;
    assert.equal((await fetch(`${wharf.url}/v2/_catalog`, { headers: { Authorization: `Bearer ${token}` } })).status, 200);
    assert.equal((await fetch(`${wharf.url}/v2/`, { headers: { Authorization: `Bearer ${refresh}` } })).status, 401, 'a refresh token is not an access token');

    const forged = `${refresh.slice(0, -4)}AAAA`;
    assert.equal((await fetch(`${wharf.url}/auth/token`, form({ grant_type: 'refresh_token', refresh_token: forged, service: TOKEN_SERVICE }))).status, 401);
    writeHtpasswd(htpasswd, { alice: 'alice-new', bob: 'bob-pw' });
    try {
      const revoked = await fetch(`${wharf.url}/auth/token`, form({ grant_type: 'refresh_token', refresh_token: refresh, service: TOKEN_SERVICE }));
      assert.equal(revoked.status, 401, 'a changed password revokes the refresh token');
      assert.equal(await codeOf(revoked), 'UNAUTHORIZED');
    } finally {
      writeHtpasswd(htpasswd, { alice: 'alice-pw', bob: 'bob-pw' });
    }
  });

  test('docker login through the token server: right password succeeds, wrong fails', { timeout: 120_000 }, async () => {
    const bob = dockerUser();
    const ok = await bob.login(wharf.host, 'bob', 'bob-pw');
    assert.equal(ok.code, 0, ok.stderr);
    // docker asked for offline access and keeps the refresh token instead of the password
    const saved = JSON.parse(readFileSync(join(bob.configDir, 'config.json'), 'utf8')) as { auths: Record<string, { auth?: string; identitytoken?: string }> };
    const entry = saved.auths[wharf.host] ?? {};
    assert.ok(entry.identitytoken, `an identity token in ${JSON.stringify(Object.keys(entry))}`);
    assert.ok(!JSON.stringify(saved).includes(Buffer.from('bob:bob-pw').toString('base64')), 'the password is not stored');
    const wrong = await dockerUser().login(wharf.host, 'bob', 'bob-pw!');
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /unauthorized|401/i);
  });

  test('push and pull exactly where the ACL allows, anonymous pull of public/**', { timeout: 300_000 }, async () => {
    const bob = dockerUser();
    assert.equal((await bob.login(wharf.host, 'bob', 'bob-pw')).code, 0);
    const alice = dockerUser();
    assert.equal((await alice.login(wharf.host, 'alice', 'alice-pw')).code, 0);

    const teamRef = `${wharf.host}/${team}/app:v1`;
    const publicRef = `${wharf.host}/public/${uniqueName('tool')}:v1`;
    images.push(teamRef, publicRef);
    await bob.run(['tag', localRef, teamRef]);
    await bob.run(['tag', localRef, publicRef]);
    const pushed = await bob.run(['push', teamRef], true);
    assert.equal(pushed.code, 0, pushed.stderr);
    const refused = await bob.run(['push', publicRef], true);
    assert.notEqual(refused.code, 0, 'bob must not push to public/**');
    assert.match(refused.stderr, /denied|unauthorized|insufficient/i);
    const adminPush = await alice.run(['push', publicRef], true);
    assert.equal(adminPush.code, 0, adminPush.stderr);

    // the HTTP answer behind the refusal: bob's token lacks push on public/*
    const narrow = await fetchToken(wharf.url, ['repository:public/x:pull,push'], ['bob', 'bob-pw']);
    const post = await fetch(`${wharf.url}/v2/public/x/blobs/uploads/`, { method: 'POST', headers: { Authorization: `Bearer ${narrow}` } });
    assert.equal(post.status, 401);
    assert.equal(
      post.headers.get('www-authenticate'),
      `Bearer realm="http://${wharf.host}/auth/token",service="${TOKEN_SERVICE}",scope="repository:public/x:pull,push",error="insufficient_scope"`,
    );
    assert.equal(await codeOf(post), 'UNAUTHORIZED');

    // anonymous docker pulls public/** but not team/*
    await dockerRemoveImage(publicRef);
    await dockerRemoveImage(teamRef);
    const anonymous = dockerUser();
    const pulled = await anonymous.run(['pull', publicRef], true);
    assert.equal(pulled.code, 0, pulled.stderr);
    const teamPull = await anonymous.run(['pull', teamRef], true);
    assert.notEqual(teamPull.code, 0, 'anonymous must not pull team/*');
    const bobPull = await bob.run(['pull', teamRef], true);
    assert.equal(bobPull.code, 0, bobPull.stderr);

    // the catalog needs registry:catalog:*, which only admins get
    const adminToken = await fetchToken(wharf.url, ['registry:catalog:*'], ['alice', 'alice-pw']);
    const catalog = await fetch(`${wharf.url}/v2/_catalog`, { headers: { Authorization: `Bearer ${adminToken}` } });
    assert.equal(catalog.status, 200);
    assert.ok(((await catalog.json()) as { repositories: string[] }).repositories.includes(`${team}/app`));
    const bobToken = await fetchToken(wharf.url, ['registry:catalog:*'], ['bob', 'bob-pw']);
    assert.equal((await fetch(`${wharf.url}/v2/_catalog`, { headers: { Authorization: `Bearer ${bobToken}` } })).status, 401);
  });

  test('the reference registry accepts the token server\'s tokens: docker login and push to docker-registry through Wharf', { timeout: 300_000 }, async () => {
    const bob = dockerUser();
    const login = await bob.login(reference.host, 'bob', 'bob-pw');
    assert.equal(login.code, 0, login.stderr);
    // the earlier test removed its image by id (every tag); this one has its own
    const local = await importImage(`wharf-local/${uniqueName('token-ref')}:v1`, 'hello from the reference leg');
    images.push(local.id);
    const ref = `${reference.host}/${team}/app:v1`;
    images.push(ref);
    await bob.run(['tag', local.ref, ref]);
    const pushed = await bob.run(['push', ref], true);
    assert.equal(pushed.code, 0, pushed.stderr);
    const publicRef = `${reference.host}/public/nope:v1`;
    images.push(publicRef);
    await bob.run(['tag', local.ref, publicRef]);
    assert.notEqual((await bob.run(['push', publicRef], true)).code, 0, 'the ACL holds on the reference registry too');
  });

  test('no password or token appears in the registry log', async () => {
    const token = await fetchToken(wharf.url, [`repository:${team}/app:pull`], ['bob', 'bob-pw']);
    await fetch(`${wharf.url}/v2/${team}/app/tags/list`, { headers: { Authorization: `Bearer ${token}` } });
    await fetch(`${wharf.url}/auth/token`, form({ grant_type: 'password', username: 'alice', password: 'alice-pw', service: TOKEN_SERVICE }));
    const logs = wharf.logs;
    assert.match(logs, /"http.request.uri":"\/auth\/token/, 'the access log is on');
    for (const secret of ['bob-pw', 'alice-pw', token, token.split('.')[2]!, Buffer.from('bob:bob-pw').toString('base64')]) {
      assert.ok(!logs.includes(secret), `the log holds a secret (${secret.slice(0, 12)}…)`);
    }
  });

  test('Wharf and docker-registry answer the same to missing, broken, expired, foreign and too narrow tokens', async () => {
    const key = createPrivateKey(readFileSync(pair.key, 'utf8'));
    const certs = parseCertificates(readFileSync(pair.certificate, 'utf8'));
    const expired = await new TokenIssuer(TOKEN_ISSUER, key, certs, 60_000).issue('bob', TOKEN_SERVICE, [{ type: 'repository', name: `${team}/app`, actions: ['pull'] }], Date.now() - 3_600_000);
    const stranger = tokenKeyPair(scratch, 'stranger');
    const foreign = await (await TokenIssuer.fromFiles(TOKEN_ISSUER, stranger.key, stranger.certificate, 60_000)).issue('bob', TOKEN_SERVICE, [
      { type: 'repository', name: `${team}/app`, actions: ['pull'] },
    ]);
    const narrow = await fetchToken(wharf.url, ['repository:public/x:pull'], ['bob', 'bob-pw']);
    const good = await fetchToken(wharf.url, [`repository:${team}/app:pull`], ['bob', 'bob-pw']);
    const cases: [string, Record<string, string>, string][] = [
      ['no Authorization', {}, `/v2/${team}/app/tags/list`],
      ['Basic instead of a token', { Authorization: basic('bob', 'bob-pw') }, `/v2/${team}/app/tags/list`],
      ['garbage bearer', { Authorization: 'Bearer not-a-jwt' }, `/v2/${team}/app/tags/list`],
      ['expired token', { Authorization: `Bearer ${expired.token}` }, `/v2/${team}/app/tags/list`],
      ['token signed by an untrusted key', { Authorization: `Bearer ${foreign.token}` }, `/v2/${team}/app/tags/list`],
      ['token for another repository', { Authorization: `Bearer ${narrow}` }, `/v2/${team}/app/tags/list`],
      ['token without catalog access', { Authorization: `Bearer ${good}` }, '/v2/_catalog'],
      ['good token, base', { Authorization: `Bearer ${good}` }, '/v2/'],
    ];
    for (const [name, headers, path] of cases) {
      const answers = [];
      for (const reg of [reference, wharf]) {
        const res = await fetch(`${reg.url}${path}`, { headers });
        answers.push({ status: res.status, challenge: res.headers.get('www-authenticate'), code: res.status === 200 ? undefined : await codeOf(res) });
      }
      assert.deepEqual(answers[1], answers[0], `${name}: Wharf (second) differs from docker-registry (first)`);
      if (name !== 'good token, base') assert.equal(answers[1]!.status, 401, name);
    }
  });
});
