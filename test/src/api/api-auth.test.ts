import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Agent, fetch as undiciFetch } from 'undici';
import { basic, Scratch, writeHtpasswd } from '../auth/auth-fixtures.js';
import { freePort } from '../support/free-port.js';
import { RegistryProcess } from '../support/registry-process.js';

/*
 * Sign-in to the API with the registry's htpasswd users, on a real `bin/wharf serve --roles api`:
 * every route of the OpenAPI document, called with no credentials, a wrong password, an expired
 * token, a wrongly signed token and as a reader on a write, is refused (401/403); an admin passes.
 */
const SECRET = 'api-session-signing-secret-for-tests-0123456789';
const ALICE = { user: 'alice', password: 'alice-Pa55word!' }; // admin (access.admins)
const BOB = { user: 'bob', password: 'bob-Pa55word!' }; // reader

/** An HS256 JWT made here by hand (RFC 7519), independent of the API's library. */
function forgeToken(secret: string, claims: Record<string, unknown>): string {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

const now = () => Math.floor(Date.now() / 1000);
const EXPIRED = forgeToken(SECRET, { sub: ALICE.user, iss: 'wharf-api', aud: 'wharf-api', jti: 'x1', iat: now() - 7200, exp: now() - 3600 });
const WRONGLY_SIGNED = forgeToken('another-secret-another-secret-another', { sub: ALICE.user, iss: 'wharf-api', aud: 'wharf-api', jti: 'x2', iat: now(), exp: now() + 3600 });

interface Route {
  method: string;
  path: string;
}

/** Sample values for the path parameters of the OpenAPI document. */
const PARAMS: Record<string, string> = { path: 'library/app/tags/v1', name: 'events.counter', id: '00000000-0000-4000-8000-000000000000' };

describe('API sign-in and roles', () => {
  const scratch = new Scratch();
  let api: RegistryProcess;
  let open: RegistryProcess;
  let base = '';
  let openBase = '';
  let routes: Route[] = [];
  let adminToken = '';
  let readerToken = '';
  let addressCounter = 0;
  const agents: Agent[] = [];

  /** A client with its own source address (127.0.1.x), so failed sign-ins of one case never throttle another. */
  function client(): Agent {
    addressCounter++;
    const agent = new Agent({ localAddress: `127.0.${1 + (addressCounter >> 8)}.${addressCounter & 255}` });
    agents.push(agent);
    return agent;
  }

  async function call(route: Route, authorization?: string, dispatcher?: Agent, url = base): Promise<{ status: number; headers: Headers; body: any }> {
    const hasBody = !['GET', 'HEAD', 'DELETE'].includes(route.method);
    const res = await undiciFetch(`${url}${route.path}`, {
      method: route.method,
      headers: { ...(authorization ? { authorization } : {}), ...(hasBody ? { 'content-type': 'application/json' } : {}) },
      ...(hasBody ? { body: '{}' } : {}),
      ...(dispatcher ? { dispatcher } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers as unknown as Headers, body: text === '' ? undefined : JSON.parse(text) };
  }

  async function signIn(credentials: { user: string; password: string }, dispatcher?: Agent) {
    const res = await undiciFetch(`${base}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: credentials.user, password: credentials.password }),
      ...(dispatcher ? { dispatcher } : {}),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as any };
  }

  before(async () => {
    const htpasswd = scratch.path('htpasswd');
    writeHtpasswd(htpasswd, { [ALICE.user]: ALICE.password, [BOB.user]: BOB.password });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    api = await RegistryProcess.start({
      roles: ['api'],
      readyUrl: `${base}/api/openapi.json`,
      // deletes off: an api role alone cannot delete for htpasswd users (see api-actor.test.ts)
      storage: 'inmemory',
      extraConfig: {
        log: { level: 'debug' },
        storage: { inmemory: {}, delete: { enabled: false } },
        auth: { htpasswd: { realm: 'wharf', path: htpasswd } },
        access: { admins: [ALICE.user] },
        api: { addr: `127.0.0.1:${port}`, secret: SECRET },
      },
    });
    const openPort = await freePort();
    openBase = `http://127.0.0.1:${openPort}`;
    open = await RegistryProcess.start({ roles: ['api'], readyUrl: `${openBase}/api/openapi.json`, extraConfig: { api: { addr: `127.0.0.1:${openPort}` } } });

    const doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    routes = Object.entries(doc.paths)
      .filter(([path]) => path !== '/api/session')
      .flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => ({ method: method.toUpperCase(), path: path.replace(/\{(\w+)\}/g, (_, name: string) => PARAMS[name] ?? 'x') })),
      );
    adminToken = (await signIn(ALICE)).body.token;
    readerToken = (await signIn(BOB)).body.token;
  });

  after(async () => {
    for (const agent of agents) await agent.close();
    await api?.dispose();
    await open?.dispose();
    scratch.cleanup();
  });

  test('the OpenAPI document lists the routes the table covers, reads and writes', () => {
    const methods = new Set(routes.map((r) => r.method));
    assert.ok(routes.length >= 15, `${routes.length} routes`);
    for (const method of ['GET', 'POST', 'DELETE']) assert.ok(methods.has(method), method);
    for (const path of ['/api/events', '/api/repositories', '/api/webhooks', '/api/queues', '/api/downloads/leaderboard']) {
      assert.ok(routes.some((r) => r.path === path), path);
    }
  });

  test('every route × {no credentials, wrong password, expired token, wrongly signed token} is 401', async () => {
    const cases: [string, (route: Route) => Promise<{ status: number; headers: Headers; body: any }>, RegExp][] = [
      ['no credentials', (r) => call(r), /sign in/],
      ['wrong password', (r) => call(r, basic(ALICE.user, 'not-the-password'), client()), /wrong user name or password/],
      ['unknown user', (r) => call(r, basic('mallory', ALICE.password), client()), /wrong user name or password/],
      ['expired token', (r) => call(r, `Bearer ${EXPIRED}`), /expired/],
      ['wrongly signed token', (r) => call(r, `Bearer ${WRONGLY_SIGNED}`), /not valid/],
      ['malformed header', (r) => call(r, 'Bearer'), /Authorization/],
    ];
    for (const route of routes) {
      for (const [name, send, message] of cases) {
        const res = await send(route);
        assert.equal(res.status, 401, `${route.method} ${route.path}, ${name}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.statusCode, 401);
        assert.match(res.body.message, message, `${route.method} ${route.path}, ${name}`);
        assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="wharf-api"');
      }
    }
  });

  test('a reader reads every route and is refused every write (403); Basic credentials work as well as a token', async () => {
    for (const route of routes) {
      for (const authorization of [`Bearer ${readerToken}`, basic(BOB.user, BOB.password)]) {
        const res = await call(route, authorization);
        if (route.method === 'GET' || route.method === 'HEAD') {
          assert.ok(![401, 403].includes(res.status), `${route.method} ${route.path} as reader: ${res.status} ${JSON.stringify(res.body)}`);
        } else {
          assert.equal(res.status, 403, `${route.method} ${route.path} as reader: ${JSON.stringify(res.body)}`);
          assert.match(res.body.message, /admin/);
        }
      }
    }
  });

  test('an admin passes every route', async () => {
    for (const route of routes) {
      for (const authorization of [`Bearer ${adminToken}`, basic(ALICE.user, ALICE.password)]) {
        const res = await call(route, authorization);
        assert.ok(![401, 403].includes(res.status), `${route.method} ${route.path} as admin: ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
  });

  test('GET, POST and DELETE /api/session', async () => {
    const anonymous = await call({ method: 'GET', path: '/api/session' });
    assert.deepEqual(anonymous.body, { authRequired: true, authenticated: false, user: null, role: null });

    const session = await signIn(BOB);
    assert.equal(session.status, 201);
    assert.deepEqual(Object.keys(session.body).sort(), ['expiresAt', 'role', 'token', 'user']);
    assert.equal(session.body.user, BOB.user);
    assert.equal(session.body.role, 'reader');
    const lifetime = Date.parse(session.body.expiresAt) - Date.now();
    assert.ok(lifetime > 11.9 * 3_600_000 && lifetime <= 12 * 3_600_000, `12h default lifetime: ${session.body.expiresAt}`);

    const me = await call({ method: 'GET', path: '/api/session' }, `Bearer ${session.body.token}`);
    assert.deepEqual(me.body, { authRequired: true, authenticated: true, user: BOB.user, role: 'reader' });
    assert.deepEqual((await call({ method: 'GET', path: '/api/session' }, `Bearer ${adminToken}`)).body.role, 'admin');
    assert.deepEqual((await call({ method: 'GET', path: '/api/session' }, `Bearer ${EXPIRED}`)).body.authenticated, false);

    const wrong = await signIn({ user: BOB.user, password: 'nope' }, client());
    assert.equal(wrong.status, 401);
    assert.match(wrong.body.message, /wrong user name or password/);
    const missing = await call({ method: 'POST', path: '/api/session' });
    assert.equal(missing.status, 400);
    assert.match(missing.body.message, /username/);

    assert.equal((await call({ method: 'DELETE', path: '/api/session' }, `Bearer ${session.body.token}`)).status, 204);
    const ended = await call({ method: 'GET', path: '/api/queues' }, `Bearer ${session.body.token}`);
    assert.equal(ended.status, 401);
    assert.match(ended.body.message, /signed out/);
  });

  test('too many failed sign-ins from one address: 429 with Retry-After, the right password included', async () => {
    const agent = client();
    for (let i = 0; i < 10; i++) assert.equal((await signIn({ user: ALICE.user, password: `guess-${i}` }, agent)).status, 401, `attempt ${i}`);
    for (const attempt of [{ user: ALICE.user, password: 'guess-x' }, ALICE]) {
      const res = await signIn(attempt, agent);
      assert.equal(res.status, 429, JSON.stringify(res.body));
      assert.ok(Number(res.headers.get('retry-after')) >= 1, `Retry-After: ${res.headers.get('retry-after')}`);
      assert.match(res.body.message, /too many failed sign-ins/);
    }
    const basicThrottled = await call({ method: 'GET', path: '/api/queues' }, basic(ALICE.user, ALICE.password), agent);
    assert.equal(basicThrottled.status, 429);
    assert.equal((await signIn(ALICE, client())).status, 201, 'another address is not throttled');
  });

  test('without a users file the API is open: everyone is an admin', async () => {
    const state = await call({ method: 'GET', path: '/api/session' }, undefined, undefined, openBase);
    assert.deepEqual(state.body, { authRequired: false, authenticated: false, user: null, role: 'admin' });
    const write = await call({ method: 'DELETE', path: '/api/repositories/library/app/tags/v1' }, undefined, undefined, openBase);
    assert.ok(![401, 403].includes(write.status), `${write.status} ${JSON.stringify(write.body)}`);
  });

  test('passwords, tokens and the signing secret never appear in the logs', () => {
    const logs = api.logs;
    assert.ok(logs.length > 0, 'the api logged something');
    for (const secret of [ALICE.password, BOB.password, SECRET, adminToken, readerToken, 'not-the-password']) {
      assert.ok(!logs.includes(secret), `a secret leaked into the logs: ${secret.slice(0, 6)}…`);
    }
  });
});
