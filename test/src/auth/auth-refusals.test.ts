import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { parseCertificates, TokenIssuer } from '@wharf/auth';
import { sendTolerant, type HttpResponse } from '../protocol/oci-http.js';
import { dockerRemoveImage, ensureDocker } from '../support/docker-cli.js';
import { importImage, uniqueName } from '../support/images.js';
import { RegistryProcess } from '../support/registry-process.js';
import {
  basic,
  DockerUser,
  fetchToken,
  Scratch,
  TOKEN_ISSUER,
  TOKEN_SERVICE,
  tokenAuthSections,
  tokenKeyPair,
  tokenServerSection,
  writeHtpasswd,
} from './auth-fixtures.js';

/*
 * Every registry route (apps/registry/src/controllers) × every way a request can lack the right
 * to it, against htpasswd and against token auth: each is refused with the status, challenge and
 * OCI code a client relies on; afterwards the same process still serves a normal docker push.
 */

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const UUID = '0b5f3a59-6c3e-4c43-9d8e-1d2f3a4b5c6d';
const REPO = 'secret/app';

interface Route {
  method: string;
  path: string;
  /** The scope a Bearer challenge must name; undefined for /v2/. */
  scope: string | undefined;
}

const repoScope = (actions: string) => `repository:${REPO}:${actions}`;
const ROUTES: Route[] = [
  { method: 'GET', path: '/v2/', scope: undefined },
  { method: 'HEAD', path: '/v2/', scope: undefined },
  { method: 'GET', path: '/v2/_catalog', scope: 'registry:catalog:*' },
  { method: 'GET', path: `/v2/${REPO}/tags/list`, scope: repoScope('pull') },
  { method: 'GET', path: `/v2/${REPO}/manifests/latest`, scope: repoScope('pull') },
  { method: 'HEAD', path: `/v2/${REPO}/manifests/latest`, scope: repoScope('pull') },
  { method: 'PUT', path: `/v2/${REPO}/manifests/latest`, scope: repoScope('pull,push') },
  { method: 'DELETE', path: `/v2/${REPO}/manifests/${DIGEST}`, scope: repoScope('delete') },
  { method: 'GET', path: `/v2/${REPO}/blobs/${DIGEST}`, scope: repoScope('pull') },
  { method: 'HEAD', path: `/v2/${REPO}/blobs/${DIGEST}`, scope: repoScope('pull') },
  { method: 'DELETE', path: `/v2/${REPO}/blobs/${DIGEST}`, scope: repoScope('delete') },
  { method: 'POST', path: `/v2/${REPO}/blobs/uploads/`, scope: repoScope('pull,push') },
  { method: 'POST', path: `/v2/${REPO}/blobs/uploads/?mount=${DIGEST}&from=team/app`, scope: repoScope('pull,push') },
  { method: 'POST', path: `/v2/${REPO}/blobs/uploads/?digest=${DIGEST}`, scope: repoScope('pull,push') },
  { method: 'GET', path: `/v2/${REPO}/blobs/uploads/${UUID}`, scope: repoScope('pull') },
  { method: 'PATCH', path: `/v2/${REPO}/blobs/uploads/${UUID}`, scope: repoScope('pull,push') },
  { method: 'PUT', path: `/v2/${REPO}/blobs/uploads/${UUID}?digest=${DIGEST}`, scope: repoScope('pull,push') },
  { method: 'DELETE', path: `/v2/${REPO}/blobs/uploads/${UUID}`, scope: repoScope('delete') },
  { method: 'GET', path: `/v2/${REPO}/referrers/${DIGEST}`, scope: repoScope('pull') },
];

interface Expectation {
  status: number;
  code: string;
  /** The exact WWW-Authenticate header, or null for none. */
  challenge: (route: Route) => string | null;
}

interface Case {
  name: string;
  /** Raw header lines (control characters included as written). */
  headers: () => Record<string, string>;
  expect: Expectation;
  /** Routes this case does not apply to (a signed-in user may always GET /v2/). */
  skip?: (route: Route) => boolean;
}

function codeOf(res: HttpResponse): string | undefined {
  try {
    return (JSON.parse(res.body.toString('utf8')) as { errors?: { code: string }[] }).errors?.[0]?.code;
  } catch {
    return undefined;
  }
}

async function checkTable(reg: () => RegistryProcess, cases: Case[]): Promise<void> {
  const failures: string[] = [];
  for (const c of cases) {
    for (const route of ROUTES) {
      if (c.skip?.(route)) continue;
      const res = await sendTolerant(reg().url, route.method, route.path, c.headers(), Buffer.alloc(0));
      const where = `${c.name}: ${route.method} ${route.path}`;
      if (res === null) {
        failures.push(`${where}: no answer`);
        continue;
      }
      const challenge = res.headers['www-authenticate'] ?? null;
      const expected = c.expect.challenge(route);
      if (res.status !== c.expect.status) failures.push(`${where}: status ${res.status}, expected ${c.expect.status}`);
      if (challenge !== expected) failures.push(`${where}: WWW-Authenticate ${String(challenge)}, expected ${String(expected)}`);
      // HEAD answers carry no body; every other refusal names its OCI code.
      if (route.method !== 'HEAD' && codeOf(res) !== c.expect.code) failures.push(`${where}: code ${String(codeOf(res))}, expected ${c.expect.code}`);
    }
  }
  assert.deepEqual(failures, []);
}

async function dockerPushWorks(reg: RegistryProcess, user: string, password: string, images: string[]): Promise<void> {
  const docker = new DockerUser();
  try {
    const login = await docker.login(reg.host, user, password);
    assert.equal(login.code, 0, login.stderr);
    const local = await importImage(`wharf-local/${uniqueName('after-refusals')}:v1`, 'still serving');
    images.push(local.id);
    const ref = `${reg.host}/team/app:${uniqueName('v')}`;
    images.push(ref);
    await docker.run(['tag', local.ref, ref]);
    const pushed = await docker.run(['push', ref], true);
    assert.equal(pushed.code, 0, pushed.stderr);
  } finally {
    docker.cleanup();
  }
}

const huge = 'A'.repeat(8_000);
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
/** Bad Authorization headers every scheme must refuse the same way. */
const MALFORMED: [string, string][] = [
  ['garbage scheme', 'Negotiate YIIBhgYGKwYBBQUCoIIBejCCAXag'],
  ['bad base64', 'Basic %%%not-base64%%%'],
  ['no colon', `Basic ${b64('bob')}`],
  ['huge', `Basic ${huge}`],
  ['control characters in the credentials', `Basic ${b64('bob:\u0001\u0007pw')}`],
  ['empty', ''],
];

describe('every route refuses requests without the right credentials', () => {
  const scratch = new Scratch();
  const htpasswd = scratch.path('htpasswd');
  const pair = tokenKeyPair(scratch);
  const images: string[] = [];
  let basicRegistry: RegistryProcess;
  let tokenRegistry: RegistryProcess;
  // bob may pull and push team/*; nobody else is granted anything, anonymous included.
  const access = { admins: [], rules: [{ repositories: ['team/*'], users: ['bob'], actions: ['pull', 'push'] }] };
  // The failed-login limit has its own test; here every wrong password must reach the table.
  const failedlogins = { limit: 10_000 };

  before(async () => {
    await ensureDocker();
    writeHtpasswd(htpasswd, { bob: 'bob-pw' });
    basicRegistry = await RegistryProcess.start({
      kind: 'wharf',
      storage: 'inmemory',
      extraConfig: { auth: { htpasswd: { realm: 'refusals', path: htpasswd } }, access, failedlogins },
    });
    tokenRegistry = await RegistryProcess.start({
      kind: 'wharf',
      storage: 'inmemory',
      extraConfig: (host) => ({ ...tokenAuthSections(host, pair), ...tokenServerSection(pair, htpasswd), access, failedlogins }),
    });
  });

  after(async () => {
    for (const ref of images) await dockerRemoveImage(ref);
    await basicRegistry?.dispose();
    await tokenRegistry?.dispose();
    scratch.cleanup();
  });

  test('htpasswd: 401 Basic challenge without valid credentials, 403 DENIED for a user the ACL does not allow', async () => {
    const unauthorized: Expectation = { status: 401, code: 'UNAUTHORIZED', challenge: () => 'Basic realm="refusals"' };
    await checkTable(
      () => basicRegistry,
      [
        { name: 'no credentials', headers: () => ({}), expect: unauthorized },
        { name: 'wrong password', headers: () => ({ Authorization: basic('bob', 'nope') }), expect: unauthorized },
        { name: 'unknown user', headers: () => ({ Authorization: basic('mallory', 'bob-pw') }), expect: unauthorized },
        { name: 'a bearer token', headers: () => ({ Authorization: 'Bearer abc.def.ghi' }), expect: unauthorized },
        ...MALFORMED.map(([name, value]): Case => ({ name, headers: () => ({ Authorization: value }), expect: unauthorized })),
        {
          name: 'signed in, not allowed by the ACL',
          headers: () => ({ Authorization: basic('bob', 'bob-pw') }),
          expect: { status: 403, code: 'DENIED', challenge: () => null },
          skip: (route) => route.path === '/v2/',
        },
      ],
    );
  });

  test('token: 401 Bearer challenge naming the scope, with invalid_token or insufficient_scope as distribution', async () => {
    const realm = `Bearer realm="http://${tokenRegistry.host}/auth/token",service="${TOKEN_SERVICE}"`;
    const challenge = (error?: string) => (route: Route) =>
      `${realm}${route.scope === undefined ? '' : `,scope="${route.scope}"`}${error === undefined ? '' : `,error="${error}"`}`;
    const key = createPrivateKey(readFileSync(pair.key, 'utf8'));
    const certs = parseCertificates(readFileSync(pair.certificate, 'utf8'));
    const secretAccess = [{ type: 'repository', name: REPO, actions: ['pull', 'push', 'delete'] }];
    const expired = (await new TokenIssuer(TOKEN_ISSUER, key, certs, 60_000).issue('bob', TOKEN_SERVICE, secretAccess, Date.now() - 3_600_000)).token;
    const stranger = tokenKeyPair(scratch, 'stranger');
    const foreign = (await (await TokenIssuer.fromFiles(TOKEN_ISSUER, stranger.key, stranger.certificate, 60_000)).issue('bob', TOKEN_SERVICE, secretAccess)).token;
    const otherService = (await new TokenIssuer(TOKEN_ISSUER, key, certs, 60_000).issue('bob', 'another-registry', secretAccess)).token;
    const otherRepository = await fetchToken(tokenRegistry.url, ['repository:team/app:pull,push'], ['bob', 'bob-pw']);
    assert.ok(JSON.parse(Buffer.from(otherRepository.split('.')[1]!, 'base64url').toString()).access.length === 1, 'the token really grants team/app');
    const [h, p, s] = otherRepository.split('.');
    const tamperedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), access: secretAccess })).toString('base64url');

    const required = { status: 401, code: 'UNAUTHORIZED', challenge: challenge() };
    const invalid = { status: 401, code: 'UNAUTHORIZED', challenge: challenge('invalid_token') };
    await checkTable(
      () => tokenRegistry,
      [
        { name: 'no credentials', headers: () => ({}), expect: required },
        { name: 'Basic credentials instead of a token', headers: () => ({ Authorization: basic('bob', 'bob-pw') }), expect: required },
        ...MALFORMED.map(([name, value]): Case => ({ name, headers: () => ({ Authorization: value }), expect: required })),
        { name: 'garbage token', headers: () => ({ Authorization: 'Bearer not-a-jwt' }), expect: invalid },
        { name: 'huge token', headers: () => ({ Authorization: `Bearer ${huge}` }), expect: invalid },
        { name: 'two tokens', headers: () => ({ Authorization: `Bearer ${otherRepository} ${otherRepository}` }), expect: invalid },
        { name: 'expired token', headers: () => ({ Authorization: `Bearer ${expired}` }), expect: invalid },
        { name: 'token signed by an untrusted key', headers: () => ({ Authorization: `Bearer ${foreign}` }), expect: invalid },
        { name: 'token for another service', headers: () => ({ Authorization: `Bearer ${otherService}` }), expect: invalid },
        { name: 'token with a tampered access claim', headers: () => ({ Authorization: `Bearer ${h}.${tamperedPayload}.${s}` }), expect: invalid },
        {
          name: 'token scoped to another repository',
          headers: () => ({ Authorization: `Bearer ${otherRepository}` }),
          expect: { status: 401, code: 'UNAUTHORIZED', challenge: challenge('insufficient_scope') },
          skip: (route) => route.path === '/v2/',
        },
      ],
    );
  });

  test('control characters in the raw header are refused by the HTTP layer with 400', async () => {
    for (const reg of [basicRegistry, tokenRegistry]) {
      const res = await sendTolerant(reg.url, 'GET', `/v2/${REPO}/tags/list`, { Authorization: 'Basic Ym9i\u0001OnB3' }, Buffer.alloc(0));
      assert.equal(res?.status, 400);
    }
  });

  test('both registries are still up and serve a normal docker push', { timeout: 300_000 }, async () => {
    await dockerPushWorks(basicRegistry, 'bob', 'bob-pw', images);
    await dockerPushWorks(tokenRegistry, 'bob', 'bob-pw', images);
  });
});
