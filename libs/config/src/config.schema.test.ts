import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MINIMAL, parse, rejects } from './config.test-helpers.js';

describe('log', () => {
  test('level, formatter, fields and access log', () => {
    const config = parse(`${MINIMAL}log:
  level: WARN
  formatter: json
  fields:
    service: registry
    replicas: 3
  accesslog:
    disabled: true
  reportcaller: false
`);
    assert.deepEqual(config.log, {
      level: 'warn',
      formatter: 'json',
      fields: { service: 'registry', replicas: 3 },
      accessLog: { disabled: true },
    });
  });

  test('the deprecated top-level loglevel is used when log.level is not set', () => {
    assert.equal(parse(`${MINIMAL}loglevel: debug\n`).log.level, 'debug');
    assert.equal(parse(`${MINIMAL}loglevel: debug\nlog:\n  level: error\n`).log.level, 'error');
  });

  test('disabled mail hooks (as in the distribution docs example) are accepted and ignored', () => {
    const config = parse(`${MINIMAL}log:
  hooks:
    - type: mail
      disabled: true
      levels: [panic]
      options:
        smtp: {addr: "mail.example.com:25", username: u, password: p, insecure: true}
        from: sender@example.com
        to: [errors@example.com]
`);
    assert.equal(config.log.level, 'info');
  });
});

describe('storage', () => {
  test('filesystem without rootdirectory defaults to /var/lib/registry', () => {
    const config = parse('version: 0.1\nstorage:\n  filesystem:\n');
    assert.deepEqual(config.storage.driver, { name: 'filesystem', rootDirectory: '/var/lib/registry', maxThreads: 100 });
  });

  test('maxthreads below registry:2\'s minimum of 25 is raised to 25', () => {
    const at = (n: number) => parse(`version: 0.1\nstorage:\n  filesystem:\n    maxthreads: ${n}\n`).storage.driver;
    assert.deepEqual(at(200), { name: 'filesystem', rootDirectory: '/var/lib/registry', maxThreads: 200 });
    assert.deepEqual(at(5), { name: 'filesystem', rootDirectory: '/var/lib/registry', maxThreads: 25 });
  });

  test('inmemory as a key or as a bare driver name', () => {
    assert.deepEqual(parse('version: 0.1\nstorage:\n  inmemory:\n').storage.driver, { name: 'inmemory' });
    assert.deepEqual(parse('version: 0.1\nstorage: inmemory\n').storage.driver, { name: 'inmemory' });
  });

  test('delete, maintenance, cache, redirect and tag are not drivers', () => {
    const config = parse(`version: 0.1
storage:
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: true
      age: 72h
      interval: 12h
      dryrun: true
    readonly:
      enabled: true
  cache:
    blobdescriptor: inmemory
    blobdescriptorsize: 500
  redirect:
    disable: true
  tag:
    concurrencylimit: 8
  filesystem:
    rootdirectory: /data
`);
    assert.deepEqual(config.storage, {
      driver: { name: 'filesystem', rootDirectory: '/data', maxThreads: 100 },
      delete: { enabled: true },
      maintenance: {
        uploadPurging: { enabled: true, ageMs: 72 * 3_600_000, intervalMs: 12 * 3_600_000, dryRun: true },
        readOnly: { enabled: true },
      },
      cache: { blobDescriptor: 'inmemory', blobDescriptorSize: 500 },
      redirect: { disable: true },
      tag: { concurrencyLimit: 8 },
    });
  });

  test('a redis blob descriptor cache with a redis section', () => {
    const config = parse(`version: 0.1\nstorage:\n  inmemory:\n  cache:\n    blobdescriptor: redis\nredis:\n  addr: r:6379\n`);
    assert.equal(config.storage.cache.blobDescriptor, 'redis');
  });
});

describe('http', () => {
  test('every documented key', () => {
    const config = parse(`${MINIMAL}http:
  addr: localhost:5000
  net: tcp
  prefix: /my/nested/registry
  host: https://myregistryaddress.org:5000
  secret: asecretforlocaldevelopment
  relativeurls: true
  draintimeout: 60s
  tls:
    certificate: /path/to/x509/public
    key: /path/to/x509/private
    clientcas: [/path/to/ca.pem, /path/to/another/ca.pem]
    clientauth: verify-client-cert-if-given
    minimumtls: tls1.3
    ciphersuites: [TLS_AES_128_GCM_SHA256]
  debug:
    addr: localhost:5001
    prometheus:
      enabled: true
      path: /prom
  headers:
    X-Content-Type-Options: [nosniff]
  http2:
    disabled: true
  h2c:
    enabled: false
`);
    assert.deepEqual(config.http, {
      addr: 'localhost:5000',
      net: 'tcp',
      prefix: '/my/nested/registry/',
      host: 'https://myregistryaddress.org:5000',
      secret: 'asecretforlocaldevelopment',
      relativeUrls: true,
      drainTimeoutMs: 60_000,
      headers: { 'X-Content-Type-Options': ['nosniff'] },
      tls: {
        certificate: '/path/to/x509/public',
        key: '/path/to/x509/private',
        clientCAs: ['/path/to/ca.pem', '/path/to/another/ca.pem'],
        clientAuth: 'verify-client-cert-if-given',
        minimumTls: 'tls1.3',
        cipherSuites: ['TLS_AES_128_GCM_SHA256'],
      },
      debug: { addr: 'localhost:5001', prometheus: { enabled: true, path: '/prom' } },
      http2: { disabled: true },
      h2c: { enabled: false },
      trustedProxies: [],
    });
  });

  test('prefix always starts and ends with "/"', () => {
    const prefix = (p: string) => parse(`${MINIMAL}http:\n  prefix: ${p}\n`).http.prefix;
    assert.equal(prefix('registry'), '/registry/');
    assert.equal(prefix('/registry'), '/registry/');
    assert.equal(prefix('registry/'), '/registry/');
    assert.equal(prefix('/'), '/');
    assert.equal(prefix('""'), '/');
  });

  test('TLS defaults: tls1.2 and require-and-verify-client-cert', () => {
    const tls = parse(`${MINIMAL}http:\n  tls:\n    certificate: /c\n    key: /k\n`).http.tls;
    assert.equal(tls?.minimumTls, 'tls1.2');
    assert.equal(tls?.clientAuth, 'require-and-verify-client-cert');
  });

  test('a unix socket address', () => {
    const config = parse(`${MINIMAL}http:\n  net: unix\n  addr: /run/wharf.sock\n`);
    assert.deepEqual([config.http.net, config.http.addr], ['unix', '/run/wharf.sock']);
  });

  test('IPv6 listen address', () => {
    assert.equal(parse(`${MINIMAL}http:\n  addr: "[::1]:5000"\n`).http.addr, '[::1]:5000');
  });
});

describe('auth', () => {
  test('silly', () => {
    assert.deepEqual(parse(`${MINIMAL}auth:\n  silly:\n    realm: silly-realm\n    service: silly-service\n`).auth, {
      scheme: 'silly',
      realm: 'silly-realm',
      service: 'silly-service',
    });
  });

  test('token, with defaults for the optional keys', () => {
    const config = parse(`${MINIMAL}auth:
  token:
    realm: https://auth.example.com/token
    service: registry
    issuer: registry-token-issuer
    rootcertbundle: /root/certs/bundle
`);
    assert.deepEqual(config.auth, {
      scheme: 'token',
      realm: 'https://auth.example.com/token',
      service: 'registry',
      issuer: 'registry-token-issuer',
      rootCertBundle: '/root/certs/bundle',
      autoRedirect: false,
      autoRedirectPath: '/auth/token',
      signingAlgorithms: ['EdDSA', 'HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'],
    });
  });

  test('token with jwks, autoredirect and chosen algorithms', () => {
    const config = parse(`${MINIMAL}auth:
  token:
    realm: r
    service: s
    issuer: i
    jwks: /path/to/jwks
    autoredirect: true
    autoredirectpath: /token/
    signingalgorithms: [es256, RS256]
`);
    assert.ok(config.auth?.scheme === 'token');
    assert.equal(config.auth.jwks, '/path/to/jwks');
    assert.equal(config.auth.rootCertBundle, undefined);
    assert.equal(config.auth.autoRedirect, true);
    assert.equal(config.auth.autoRedirectPath, '/token/');
    assert.deepEqual(config.auth.signingAlgorithms, ['ES256', 'RS256']);
  });

  test('htpasswd', () => {
    assert.deepEqual(parse(`${MINIMAL}auth:\n  htpasswd:\n    realm: basic-realm\n    path: /auth/htpasswd\n`).auth, {
      scheme: 'htpasswd',
      realm: 'basic-realm',
      path: '/auth/htpasswd',
    });
  });

  test('an empty auth section means no auth', () => {
    assert.equal(parse(`${MINIMAL}auth:\n`).auth, undefined);
  });
});

describe('notifications', () => {
  test('an endpoint with every key, and events.includereferences', () => {
    const config = parse(`${MINIMAL}notifications:
  events:
    includereferences: true
  endpoints:
    - name: alistener
      disabled: false
      url: https://my.listener.com/event
      headers:
        Authorization: [Bearer abc]
      timeout: 1s
      threshold: 10
      backoff: 1s
      ignoredmediatypes:
        - application/octet-stream
      ignore:
        mediatypes: [application/octet-stream]
        actions: [pull]
`);
    assert.deepEqual(config.notifications, {
      events: { includeReferences: true },
      endpoints: [
        {
          name: 'alistener',
          url: 'https://my.listener.com/event',
          headers: { Authorization: ['Bearer abc'] },
          timeoutMs: 1_000,
          threshold: 10,
          backoffMs: 1_000,
          ignoredMediaTypes: ['application/octet-stream'],
          ignore: { mediaTypes: ['application/octet-stream'], actions: ['pull'] },
          disabled: false,
          maxRetryAgeMs: 86_400_000,
        },
      ],
      spool: {},
      replay: { retentionMs: 86_400_000, maxEvents: 100_000 },
    });
  });

  test("Wharf's keys: spool.directory, replay.retention|maxevents, endpoints[].maxretryage", () => {
    const config = parse(`${MINIMAL}notifications:
  spool:
    directory: /var/spool/wharf
  replay:
    retention: 2h
    maxevents: 5000
  endpoints:
    - {name: a, url: "http://a/", maxretryage: 30m}
`);
    assert.deepEqual(config.notifications.spool, { directory: '/var/spool/wharf' });
    assert.deepEqual(config.notifications.replay, { retentionMs: 7_200_000, maxEvents: 5_000 });
    assert.equal(config.notifications.endpoints[0]!.maxRetryAgeMs, 1_800_000);
    const env = parse(MINIMAL, { REGISTRY_NOTIFICATIONS_SPOOL_DIRECTORY: '/tmp/spool' });
    assert.deepEqual(env.notifications.spool, { directory: '/tmp/spool' });
  });

  test('replay.maxevents must be positive; spool.directory must be text', () => {
    rejects(`${MINIMAL}notifications:\n  replay:\n    maxevents: 0\n`, {}, /maxevents/);
    rejects(`${MINIMAL}notifications:\n  spool:\n    directory: [a, b]\n`, {}, /directory/);
  });

  test('unset or zero timeout, threshold and backoff take registry:2 defaults (1s, 10, 1s)', () => {
    const config = parse(`${MINIMAL}notifications:\n  endpoints:\n    - {name: a, url: "http://a/", threshold: 0, timeout: 0s}\n`);
    const e = config.notifications.endpoints[0]!;
    assert.deepEqual([e.timeoutMs, e.threshold, e.backoffMs], [1_000, 10, 1_000]);
  });
});

describe('redis', () => {
  test('the registry 2.8 form', () => {
    const redis = parse(`${MINIMAL}redis:
  addr: localhost:6379
  password: asecret
  db: 1
  dialtimeout: 10ms
  readtimeout: 10ms
  writetimeout: 10ms
  pool:
    maxidle: 16
    maxactive: 64
    idletimeout: 300s
  tls:
    enabled: false
`).redis;
    assert.deepEqual(redis?.addrs, ['localhost:6379']);
    assert.equal(redis?.password, 'asecret');
    assert.equal(redis?.db, 1);
    assert.deepEqual([redis?.dialTimeoutMs, redis?.readTimeoutMs, redis?.writeTimeoutMs], [10, 10, 10]);
    assert.deepEqual(redis?.pool, { maxIdle: 16, maxActive: 64, idleTimeoutMs: 300_000 });
    assert.equal(redis?.tls.enabled, false);
  });

  test('the registry 3.x form (go-redis UniversalOptions)', () => {
    const redis = parse(`${MINIMAL}redis:
  tls:
    certificate: /path/to/cert.crt
    key: /path/to/key.pem
    rootcas: [/path/to/ca.pem]
  addrs: [localhost:6379, localhost:6380]
  username: default
  password: asecret
  db: 0
  dialtimeout: 10ms
  maxidleconns: 16
  poolsize: 64
  connmaxidletime: 300s
  mastername: mymaster
`).redis;
    assert.deepEqual(redis?.addrs, ['localhost:6379', 'localhost:6380']);
    assert.equal(redis?.username, 'default');
    assert.equal(redis?.masterName, 'mymaster');
    assert.deepEqual(redis?.pool, { size: 64, maxIdle: 16, idleTimeoutMs: 300_000 });
    assert.deepEqual(redis?.tls, { enabled: true, certificate: '/path/to/cert.crt', key: '/path/to/key.pem', rootCAs: ['/path/to/ca.pem'] });
  });

  test('3.0\'s tls.clientcas is read as the CA list', () => {
    const redis = parse(`${MINIMAL}redis:\n  addrs: [r:6379]\n  tls:\n    clientcas: [/ca.pem]\n`).redis;
    assert.deepEqual(redis?.tls, { enabled: true, rootCAs: ['/ca.pem'] });
  });

  test('no section (or an empty one) means no redis', () => {
    assert.equal(parse(MINIMAL).redis, undefined);
    assert.equal(parse(`${MINIMAL}redis:\n`).redis, undefined);
  });
});

describe('health', () => {
  test('storage driver, file, http and tcp checks', () => {
    const health = parse(`${MINIMAL}health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
  file:
    - file: /path/to/checked/file
      interval: 10s
  http:
    - uri: http://server.to.check/must/return/200
      headers:
        Authorization: [Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==]
      statuscode: 204
      timeout: 3s
      interval: 20s
      threshold: 3
  tcp:
    - addr: redis-server.domain.com:6379
      timeout: 3s
`).health;
    assert.deepEqual(health, {
      storageDriver: { enabled: true, intervalMs: 10_000, threshold: 3 },
      file: [{ file: '/path/to/checked/file', intervalMs: 10_000, threshold: 1 }],
      http: [
        {
          uri: 'http://server.to.check/must/return/200',
          headers: { Authorization: ['Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=='] },
          statusCode: 204,
          timeoutMs: 3_000,
          intervalMs: 20_000,
          threshold: 3,
        },
      ],
      tcp: [{ addr: 'redis-server.domain.com:6379', timeoutMs: 3_000, intervalMs: 10_000, threshold: 1 }],
    });
  });
});

describe('validation, compatibility, catalog, tags, policy', () => {
  test('validation on by default; disabled turns it off; the deprecated enabled: true turns it on', () => {
    assert.equal(parse(MINIMAL).validation.enabled, true);
    assert.equal(parse(`${MINIMAL}validation:\n  disabled: true\n`).validation.enabled, false);
    assert.equal(parse(`${MINIMAL}validation:\n  enabled: true\n  disabled: true\n`).validation.enabled, true);
  });

  test('manifest URL rules and index platforms', () => {
    const validation = parse(`${MINIMAL}validation:
  manifests:
    urls:
      allow:
        - ^https?://([^/]+\\.)*example\\.com/
      deny:
        - ^https?://www\\.example\\.com/
    indexes:
      platforms: List
      platformlist:
        - architecture: amd64
          os: linux
`).validation;
    assert.deepEqual(validation.manifests, {
      urls: { allow: ['^https?://([^/]+\\.)*example\\.com/'], deny: ['^https?://www\\.example\\.com/'] },
      indexes: { platforms: 'list', platformList: [{ architecture: 'amd64', os: 'linux' }] },
    });
  });

  test('schema1 is refused by name; enabled: false (what Wharf does) is accepted', () => {
    rejects(`${MINIMAL}compatibility:\n  schema1:\n    enabled: true\n`, {}, /compatibility\.schema1\.enabled: schema1 manifests are not accepted or served/);
    rejects(`${MINIMAL}compatibility:\n  schema1:\n    signingkeyfile: /etc/registry/key.json\n`, {}, /compatibility\.schema1\.signingkeyfile: Wharf never signs schema1/);
    parse(`${MINIMAL}compatibility:\n  schema1:\n    enabled: false\n`);
  });

  test('catalog.maxentries, tags.maxtags, policy', () => {
    const config = parse(`${MINIMAL}catalog:
  maxentries: 50
tags:
  maxtags: 0
policy:
  repository:
    classes: [image]
`);
    assert.equal(config.catalog.maxEntries, 50);
    assert.equal(config.tags.maxTags, 1000);
    assert.deepEqual(config.policy.repository.classes, ['image']);
  });
});

describe("Wharf's own sections", () => {
  test('elasticsearch: urls or addresses, index prefix, credentials', () => {
    const config = parse(`${MINIMAL}elasticsearch:
  addresses: http://es:9200
  indexprefix: registry-events
  username: elastic
  password: changeme
`);
    assert.deepEqual(config.elasticsearch, {
      urls: ['http://es:9200'],
      indexPrefix: 'registry-events',
      username: 'elastic',
      password: 'changeme',
    });
    assert.equal(parse(`${MINIMAL}elasticsearch:\n  urls: [http://a:9200]\n`).elasticsearch?.indexPrefix, 'wharf');
  });

  test('database: a URL, or host and parts with port 5432 by default', () => {
    assert.deepEqual(parse(`${MINIMAL}database:\n  url: postgres://u:p@db/wharf\n`).database, { url: 'postgres://u:p@db/wharf' });
    assert.deepEqual(parse(`${MINIMAL}database:\n  host: db\n  user: wharf\n  password: pw\n  database: wharf\n`).database, {
      host: 'db',
      port: 5432,
      user: 'wharf',
      password: 'pw',
      database: 'wharf',
    });
  });

  test('api has an address (webhooks: see config.webhooks.test.ts)', () => {
    const config = parse(`${MINIMAL}api:\n  addr: :8080\n`);
    assert.deepEqual(config.api, { addr: ':8080' });
  });

  test('api sessions: secret and sessionlifetime, checked; REGISTRY_API_SECRET overrides', () => {
    const secret = 'x'.repeat(32);
    const config = parse(`${MINIMAL}api:\n  addr: :8080\n  secret: ${secret}\n  sessionlifetime: 2h\n`);
    assert.deepEqual(config.api, { addr: ':8080', secret, sessionLifetimeMs: 7_200_000 });
    assert.equal(parse(`${MINIMAL}api:\n  addr: :8080\n`, { REGISTRY_API_SECRET: 'y'.repeat(40) }).api?.secret, 'y'.repeat(40));
    const short = rejects(`${MINIMAL}api:\n  addr: :8080\n  secret: tooshort\n`, {}, /api\.secret: must be at least 32 characters/);
    assert.doesNotMatch(short.message, /tooshort/, 'the secret is not echoed');
    rejects(`${MINIMAL}api:\n  addr: :8080\n  sessionlifetime: 10s\n`, {}, /api\.sessionlifetime: must be at least 1m/);
  });

  test('absent sections are undefined', () => {
    const config = parse(MINIMAL);
    assert.deepEqual([config.elasticsearch, config.database, config.api], [undefined, undefined, undefined]);
  });
});
