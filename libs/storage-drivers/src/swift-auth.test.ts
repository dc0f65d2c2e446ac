import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { authRequest, authResult, SwiftAuthError, type SwiftCredentials } from './swift-auth.js';

const base: SwiftCredentials = {
  authUrl: 'https://keystone.example:5000/v3',
  authVersion: 3,
  username: 'registry',
  password: 'secret',
  endpointType: 'public',
};

const v3Catalog = {
  token: {
    expires_at: '2030-01-02T03:04:05.000000Z',
    catalog: [
      { type: 'identity', endpoints: [{ interface: 'public', region: 'RegionOne', url: 'https://keystone.example:5000/v3' }] },
      {
        type: 'object-store',
        endpoints: [
          { interface: 'public', region: 'RegionOne', url: 'https://swift-one.example/v1/AUTH_p1' },
          { interface: 'internal', region: 'RegionOne', url: 'http://10.0.0.1:8080/v1/AUTH_p1/' },
          { interface: 'public', region_id: 'RegionTwo', url: 'https://swift-two.example/v1/AUTH_p1' },
        ],
      },
    ],
  },
};

const v2Catalog = {
  access: {
    token: { id: 'v2-token', expires: '2030-01-02T03:04:05Z' },
    serviceCatalog: [
      {
        type: 'object-store',
        endpoints: [
          { region: 'DFW', publicURL: 'https://dfw.example/v1/AUTH_t', internalURL: 'https://snet-dfw.example/v1/AUTH_t', adminURL: 'https://admin-dfw.example/v1/AUTH_t' },
          { region: 'ORD', publicURL: 'https://ord.example/v1/AUTH_t', internalURL: 'https://snet-ord.example/v1/AUTH_t' },
        ],
      },
    ],
  },
};

function body(c: SwiftCredentials): { auth: Record<string, unknown> } {
  return JSON.parse(authRequest(c).body ?? '{}') as { auth: Record<string, unknown> };
}

describe('swift auth requests (as registry:2 sends them)', () => {
  test('v1: GET the auth URL with X-Auth-User and X-Auth-Key', () => {
    const req = authRequest({ ...base, authUrl: 'http://127.0.0.1:8080/auth/v1.0', authVersion: 1, username: 'acct:user' });
    assert.deepEqual(req, {
      method: 'GET',
      url: 'http://127.0.0.1:8080/auth/v1.0',
      headers: { 'x-auth-user': 'acct:user', 'x-auth-key': 'secret' },
    });
  });

  test('v2: POST <authurl>/tokens with password credentials and the tenant', () => {
    const c: SwiftCredentials = { ...base, authUrl: 'https://k/v2.0/', authVersion: 2, tenant: 'acme', tenantId: 't-1' };
    assert.equal(authRequest(c).url, 'https://k/v2.0/tokens');
    assert.deepEqual(body(c), {
      auth: { passwordCredentials: { username: 'registry', password: 'secret' }, tenantName: 'acme', tenantId: 't-1' },
    });
  });

  test('v3: POST <authurl>/auth/tokens, user in its domain, project scope by name in the user domain', () => {
    const c: SwiftCredentials = { ...base, domain: 'Corp', tenant: 'images' };
    assert.equal(authRequest(c).url, 'https://keystone.example:5000/v3/auth/tokens');
    assert.deepEqual(body(c), {
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'registry', password: 'secret', domain: { name: 'Corp' } } } },
        scope: { project: { name: 'images', domain: { name: 'Corp' } } },
      },
    });
  });

  test('v3 scopes: project id; tenant domain over user domain; Default when none; trust over all', () => {
    assert.deepEqual(body({ ...base, tenantId: 'p-1', tenant: 'ignored' }).auth['scope'], { project: { id: 'p-1' } });
    assert.deepEqual(body({ ...base, domainId: 'd-1', tenant: 'images', tenantDomainId: 'td-1' }).auth['scope'], {
      project: { name: 'images', domain: { id: 'td-1' } },
    });
    assert.deepEqual(body({ ...base, tenant: 'images' }).auth['scope'], { project: { name: 'images', domain: { name: 'Default' } } });
    assert.deepEqual(body({ ...base, tenant: 'images', trustId: 'tr-1' }).auth['scope'], { 'OS-TRUST:trust': { id: 'tr-1' } });
    assert.equal(body(base).auth['scope'], undefined, 'no tenant, no trust: an unscoped token');
    const user = (body({ ...base, domainId: 'd-9' }).auth['identity'] as { password: { user: Record<string, unknown> } }).password.user;
    assert.deepEqual(user['domain'], { id: 'd-9' });
  });
});

describe('swift auth answers', () => {
  const now = Date.parse('2029-12-31T00:00:00Z');

  test('v1: token and storage URL from the headers; the expiry from X-Auth-Token-Expires', () => {
    const c: SwiftCredentials = { ...base, authUrl: 'http://s/auth/v1.0', authVersion: 1 };
    const session = authResult(c, 200, { 'x-auth-token': 'AUTH_tk1', 'x-storage-url': 'http://s/v1/AUTH_a/', 'x-auth-token-expires': '3600' }, undefined, now);
    assert.deepEqual(session, { token: 'AUTH_tk1', storageUrl: 'http://s/v1/AUTH_a', expiresAt: now + 3_600_000 });
    assert.throws(() => authResult(c, 200, { 'x-auth-token': 't' }, undefined, now), SwiftAuthError);
  });

  test('v3: the token from X-Subject-Token, the endpoint by interface and region', () => {
    const headers = { 'x-subject-token': 'v3-token' };
    assert.deepEqual(authResult(base, 201, headers, v3Catalog), {
      token: 'v3-token',
      storageUrl: 'https://swift-one.example/v1/AUTH_p1',
      expiresAt: Date.parse('2030-01-02T03:04:05Z'),
    });
    assert.equal(authResult({ ...base, endpointType: 'internal' }, 201, headers, v3Catalog).storageUrl, 'http://10.0.0.1:8080/v1/AUTH_p1');
    assert.equal(authResult({ ...base, region: 'RegionTwo' }, 201, headers, v3Catalog).storageUrl, 'https://swift-two.example/v1/AUTH_p1');
    assert.throws(
      () => authResult({ ...base, region: 'Nowhere' }, 201, headers, v3Catalog),
      /the keystone catalog for user registry at https:\/\/keystone.example:5000\/v3 has no object-store public endpoint in region Nowhere/,
    );
  });

  test('v2: the token from the body, the endpoint URL of the configured type', () => {
    const c: SwiftCredentials = { ...base, authUrl: 'https://k/v2.0', authVersion: 2 };
    assert.deepEqual(authResult(c, 200, {}, v2Catalog), {
      token: 'v2-token',
      storageUrl: 'https://dfw.example/v1/AUTH_t',
      expiresAt: Date.parse('2030-01-02T03:04:05Z'),
    });
    assert.equal(authResult({ ...c, region: 'ORD', endpointType: 'internal' }, 200, {}, v2Catalog).storageUrl, 'https://snet-ord.example/v1/AUTH_t');
    assert.throws(() => authResult({ ...c, region: 'ORD', endpointType: 'admin' }, 200, {}, v2Catalog), /no object-store admin endpoint in region ORD/);
  });

  test('a refusal names the user, the auth URL and the reason', () => {
    assert.throws(
      () => authResult(base, 401, {}, { error: { message: 'The request you have made requires authentication.' } }),
      (err: unknown) =>
        err instanceof SwiftAuthError &&
        err.message === 'swift authentication failed for user registry at https://keystone.example:5000/v3: wrong username or password (HTTP 401)',
    );
    assert.throws(() => authResult(base, 503, {}, undefined), /swift authentication failed for user registry at .*: HTTP 503/);
  });
});
