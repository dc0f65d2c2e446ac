import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MINIMAL, parse, rejects } from './config.test-helpers.js';

describe('proxy (registry:2) and mirrors (Wharf)', () => {
  test('no cache by default', () => {
    assert.deepEqual(parse(MINIMAL).upstreams, { mode: 'mirrors', list: [] });
  });

  test('registry:2 proxy: one upstream under unprefixed names, ttl 168h by default', () => {
    const config = parse(`${MINIMAL}proxy:\n  remoteurl: https://registry-1.docker.io/\n  username: alice\n  password: s3cret\n`);
    assert.deepEqual(config.upstreams, {
      mode: 'proxy',
      list: [{ host: '', remoteUrl: 'https://registry-1.docker.io', username: 'alice', password: 's3cret', ttlMs: 168 * 3_600_000 }],
    });
  });

  test('ttl 0 keeps content; any Go duration is read', () => {
    assert.equal(parse(`${MINIMAL}proxy:\n  remoteurl: http://up:5000\n  ttl: 0\n`).upstreams.list[0]?.ttlMs, 0);
    assert.equal(parse(`${MINIMAL}proxy:\n  remoteurl: http://up:5000\n  ttl: 1h30m\n`).upstreams.list[0]?.ttlMs, 5_400_000);
  });

  test('REGISTRY_PROXY_* overrides work as in registry:2', () => {
    const config = parse(MINIMAL, { REGISTRY_PROXY_REMOTEURL: 'https://mirror.example', REGISTRY_PROXY_TTL: '10m' });
    assert.deepEqual(config.upstreams.list, [{ host: '', remoteUrl: 'https://mirror.example', ttlMs: 600_000 }]);
  });

  test('mirrors: several upstreams, each with its host, credentials and ttl', () => {
    const config = parse(`${MINIMAL}mirrors:
  - host: docker.io
    remoteurl: https://registry-1.docker.io
  - host: ghcr.io
    remoteurl: https://ghcr.io
    username: bot
    password: pat
    ttl: 24h
`);
    assert.deepEqual(config.upstreams, {
      mode: 'mirrors',
      list: [
        { host: 'docker.io', remoteUrl: 'https://registry-1.docker.io', ttlMs: 168 * 3_600_000 },
        { host: 'ghcr.io', remoteUrl: 'https://ghcr.io', username: 'bot', password: 'pat', ttlMs: 86_400_000 },
      ],
    });
  });

  test('refused by name: no remoteurl, a bad URL, half a credential, a credential helper', () => {
    rejects(`${MINIMAL}proxy:\n  ttl: 1h\n`, {}, /^proxy\.remoteurl: required/m);
    rejects(`${MINIMAL}proxy:\n  remoteurl: registry-1.docker.io\n`, {}, /^proxy\.remoteurl: expected an absolute http/m);
    const half = rejects(`${MINIMAL}proxy:\n  remoteurl: https://r\n  password: hunter2\n`, {}, /^proxy\.username: username and password go together/m);
    assert.doesNotMatch(half.message, /hunter2/);
    rejects(`${MINIMAL}proxy:\n  remoteurl: https://r\n  exec:\n    command: helper\n`, {}, /^proxy\.exec: credential helpers are not supported/m);
    rejects(`${MINIMAL}proxy:\n  remoteurl: https://r\n  ttl: soon\n`, {}, /^proxy\.ttl: /m);
  });

  test('refused: a host that is not a registry host name, a host twice, proxy and mirrors together', () => {
    rejects(`${MINIMAL}mirrors:\n  - host: https://ghcr.io\n    remoteurl: https://ghcr.io\n`, {}, /^mirrors\[0\]\.host: expected a registry host name/m);
    rejects(`${MINIMAL}mirrors:\n  - host: GHCR.io\n    remoteurl: https://ghcr.io\n`, {}, /^mirrors\[0\]\.host: /m);
    rejects(
      `${MINIMAL}mirrors:\n  - host: ghcr.io\n    remoteurl: https://ghcr.io\n  - host: ghcr.io\n    remoteurl: https://other\n`,
      {},
      /^mirrors\[1\]\.host: ghcr\.io is listed twice/m,
    );
    rejects(
      `${MINIMAL}proxy:\n  remoteurl: https://r\nmirrors:\n  - host: ghcr.io\n    remoteurl: https://ghcr.io\n`,
      {},
      /^mirrors: set either proxy .* or mirrors, not both/m,
    );
  });
});
