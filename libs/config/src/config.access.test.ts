import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MINIMAL, parse, rejects } from './config.test-helpers.js';

const ACCESS = `${MINIMAL}access:
  groups: {devs: [alice, bob], ops: carol}
  admins: [alice, "group:ops"]
  rules:
    - {repositories: ["public/**"], users: ["*", anonymous], actions: [pull]}
    - {repositories: ["team/*"], users: ["group:devs"], actions: [pull, push, delete, PUSH]}
`;

const TOKEN_AUTH = `${MINIMAL}auth:
  token: {realm: "http://127.0.0.1:5000/auth/token", service: wharf, issuer: wharf-token-server, rootcertbundle: /etc/wharf/token.crt}
`;

describe('access', () => {
  test('groups, admins and rules as written; a single user is a one-item list, actions are de-duplicated', () => {
    assert.deepEqual(parse(ACCESS).access, {
      groups: { devs: ['alice', 'bob'], ops: ['carol'] },
      admins: ['alice', 'group:ops'],
      rules: [
        { repositories: ['public/**'], users: ['*', 'anonymous'], actions: ['pull'] },
        { repositories: ['team/*'], users: ['group:devs'], actions: ['pull', 'push', 'delete'] },
      ],
    });
  });

  test('absent or empty: no access section', () => {
    assert.equal(parse(MINIMAL).access, undefined);
    assert.equal(parse(`${MINIMAL}access:\n`).access, undefined);
  });

  test('env overrides apply', () => {
    assert.deepEqual(parse(ACCESS, { REGISTRY_ACCESS_ADMINS: '[dave]' }).access?.admins, ['dave']);
  });

  test('typos stop start-up with the key named', () => {
    rejects(`${MINIMAL}access:\n  admins: ["group:nobody"]\n`, {}, /access\.admins\[0\]: unknown group "nobody"/);
    rejects(`${MINIMAL}access:\n  admins: ["*"]\n`, {}, /access\.admins\[0\]: "\*" cannot be an admin/);
    rejects(`${MINIMAL}access:\n  rules:\n    - {repositories: [a], users: [bob], actions: [pul]}\n`, {}, /access\.rules\[0\]\.actions\[0\]/);
    rejects(`${MINIMAL}access:\n  rules:\n    - {repositories: [A/B], users: [bob], actions: [pull]}\n`, {}, /access\.rules\[0\]\.repositories\[0\]: expected a repository name pattern/);
    rejects(`${MINIMAL}access:\n  rules:\n    - {repositories: [a], actions: [pull]}\n`, {}, /access\.rules\[0\]\.users: required/);
    rejects(`${MINIMAL}access:\n  rules:\n    - {repositories: [a], users: [bob], action: [pull]}\n`, {}, /action/);
    rejects(`${MINIMAL}access:\n  rules:\n    - {repositories: [a], users: ["x:y"], actions: [pull]}\n`, {}, /access\.rules\[0\]\.users\[0\]/);
  });
});

describe('tokenserver', () => {
  const server = 'tokenserver:\n  issuer: wharf-token-server\n  key: /k.pem\n  certificate: /c.pem\n  htpasswd: /h\n';

  test('defaults: path /auth/token, tokens valid 5 minutes', () => {
    assert.deepEqual(parse(`${TOKEN_AUTH}${server}`).tokenServer, {
      path: '/auth/token',
      issuer: 'wharf-token-server',
      key: '/k.pem',
      certificate: '/c.pem',
      htpasswd: '/h',
      expirationMs: 300_000,
    });
  });

  test('path and expiration, also through REGISTRY_TOKENSERVER_*', () => {
    const config = parse(`${TOKEN_AUTH}${server}  path: /token\n`, { REGISTRY_TOKENSERVER_EXPIRATION: '90s' });
    assert.equal(config.tokenServer?.path, '/token');
    assert.equal(config.tokenServer?.expirationMs, 90_000);
  });

  test('the issuer must be the one auth.token accepts', () => {
    rejects(`${TOKEN_AUTH}${server.replace('wharf-token-server', 'other')}`, {}, /tokenserver\.issuer: must equal auth\.token\.issuer \("wharf-token-server"\)/);
  });

  test('missing keys and bad values stop start-up', () => {
    rejects(`${MINIMAL}tokenserver:\n  issuer: i\n`, {}, /tokenserver\.key: required/, /tokenserver\.certificate: required/, /tokenserver\.htpasswd: required/);
    rejects(`${TOKEN_AUTH}${server}  path: auth/token\n`, {}, /tokenserver\.path: expected a URL path/);
    rejects(`${TOKEN_AUTH}${server}  expiration: 10ms\n`, {}, /tokenserver\.expiration: must be at least 1s/);
  });
});
