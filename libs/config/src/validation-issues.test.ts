import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MINIMAL, parse, rejects } from './config.test-helpers.js';

/** Asserts the one-and-only error line, exactly as a user would read it. */
function rejectsWith(yaml: string, line: string): void {
  const error = rejects(yaml, {});
  assert.equal(error.message, line);
}

describe('registry:2 features Wharf does not support', () => {
  test('an empty proxy section is harmless', () => {
    assert.doesNotThrow(() => parse(`${MINIMAL}proxy:\n`));
  });

  test('registry and repository middleware, naming what was configured', () => {
    rejectsWith(
      `${MINIMAL}middleware:\n  registry:\n    - name: ARegistryMiddleware\n  repository:\n    - name: ARepoMiddleware\n`,
      'middleware.registry: registry middleware is not supported by Wharf (found ARegistryMiddleware); only storage middleware (cloudfront, redirect, rewrite) is\n' +
        'middleware.repository: repository middleware is not supported by Wharf (found ARepoMiddleware); only storage middleware (cloudfront, redirect, rewrite) is',
    );
  });

  test('storage middleware other than cloudfront, redirect and rewrite, and cloudfront IP filtering', () => {
    rejectsWith(
      `${MINIMAL}middleware:\n  storage:\n    - name: cloudfront\n      options: {baseurl: "https://cdn/", privatekey: /k.pem, keypairid: K, ipfilteredby: awsregion}\n    - name: alicdn\n`,
      'middleware.storage[0].options.ipfilteredby: only "none" is supported: Wharf does not fetch AWS IP ranges to send AWS clients to S3 directly\n' +
        'middleware.storage[1]: unknown storage middleware "alicdn"; supported: cloudfront, redirect, rewrite',
    );
  });

  test('s3 keys registry:2 would refuse, and signature v2', () => {
    rejectsWith(
      `version: 0.1\nstorage:\n  s3:\n    region: us-east-1\n    bucket: b\n    v4auth: false\n    chunksize: 1000\n    storageclass: GLACIER\n`,
      'storage.s3.v4auth: signature version 2 is not supported: remove v4auth (every current S3-compatible store accepts v4 signatures)\n' +
        'storage.s3.chunksize: must be at least 5242880\n' +
        'storage.s3.storageclass: expected one of: NONE, STANDARD, REDUCED_REDUNDANCY, STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, OUTPOSTS, GLACIER_IR',
    );
    rejectsWith(
      `version: 0.1\nstorage:\n  s3:\n    region: us-east-1\n    bucket: b\n    accesskey: AKIA\n`,
      'storage.s3: accesskey and secretkey go together: set both, or neither to use the AWS default credential chain',
    );
  });

  test('reporting (Bugsnag, New Relic)', () => {
    rejectsWith(
      `${MINIMAL}reporting:\n  bugsnag:\n    apikey: k\n`,
      'reporting: Bugsnag and New Relic error reporting is gone (registry:2 3.x removed it too) and Wharf has none; remove this section',
    );
  });

  test('an unknown storage driver', () => {
    rejectsWith('version: 0.1\nstorage:\n  floppy:\n', 'storage.floppy: unknown storage driver; supported drivers: filesystem, inmemory, s3, oss, azure, gcs, swift');
  });

  test("Let's Encrypt beside certificate files, or without its account's email", () => {
    rejectsWith(
      `${MINIMAL}http:\n  tls:\n    certificate: /c.pem\n    key: /k.pem\n    letsencrypt:\n      cachefile: /cache\n      email: a@b.c\n`,
      "http.tls.letsencrypt: set either http.tls.certificate or Let's Encrypt, not both",
    );
    rejectsWith(
      `${MINIMAL}http:\n  tls:\n    letsencrypt:\n      cachefile: /cache\n`,
      "http.tls.letsencrypt.email: required to use Let's Encrypt (the ACME account's contact)",
    );
  });

  test('enabled log hooks', () => {
    rejectsWith(
      `${MINIMAL}log:\n  hooks:\n    - type: mail\n      levels: [panic]\n`,
      'log.hooks[0]: log hooks are not supported by Wharf; set disabled: true or remove it',
    );
  });
});

describe('structure', () => {
  test('version is required', () => {
    rejectsWith('storage: inmemory\n', 'version: required');
  });

  test('only version 0.1 exists', () => {
    rejectsWith('version: 0.2\nstorage: inmemory\n', 'version: unsupported version; expected 0.1');
  });

  test('storage is required', () => {
    rejectsWith('version: 0.1\n', 'storage: no storage driver configured; name one of: filesystem, inmemory, s3, oss, azure, gcs, swift');
  });

  test('storage subsections alone do not name a driver', () => {
    rejectsWith(
      'version: 0.1\nstorage:\n  delete:\n    enabled: true\n  cache:\n    blobdescriptor: inmemory\n',
      'storage: no storage driver configured; name one of: filesystem, inmemory, s3, oss, azure, gcs, swift',
    );
  });

  test('two drivers', () => {
    rejectsWith(
      'version: 0.1\nstorage:\n  filesystem:\n  inmemory:\n',
      'storage: exactly one storage driver must be configured, found 2: filesystem, inmemory',
    );
  });

  test('unknown top-level key, with a suggestion', () => {
    rejectsWith(`${MINIMAL}notification:\n  endpoints: []\n`, 'notification: unknown key (did you mean "notifications"?)');
  });

  test('unknown nested keys, each named', () => {
    const error = rejects(
      `version: 0.1\nstorage:\n  filesystem:\n    rootdir: /x\n  inmemory2: {}\nlog:\n  fromatter: json\nhttp:\n  tls:\n    cert: /c\n`,
      {},
    );
    assert.deepEqual(
      error.message.split('\n'),
      [
        'log.fromatter: unknown key (did you mean "formatter"?)',
        'storage: exactly one storage driver must be configured, found 2: filesystem, inmemory2',
        'http.tls.cert: unknown key (did you mean "certificate"?)',
      ],
    );
  });

  test('the inmemory driver takes no parameters', () => {
    rejectsWith('version: 0.1\nstorage:\n  inmemory:\n    size: 10\n', 'storage.inmemory.size: unknown key');
  });

  test('an unknown filesystem parameter', () => {
    rejectsWith('version: 0.1\nstorage:\n  filesystem:\n    rootdir: /x\n', 'storage.filesystem.rootdir: unknown key (did you mean "rootdirectory"?)');
  });

  test('a section given as a scalar', () => {
    rejectsWith(`${MINIMAL}http: 5000\n`, 'http: expected a mapping');
  });
});

describe('types and values', () => {
  const cases: [string, string][] = [
    ['version: 0.1\nstorage:\n  inmemory:\n  delete:\n    enabled: "yes"\n', 'storage.delete.enabled: expected a boolean (true or false)'],
    ['version: 0.1\nstorage:\n  filesystem:\n    maxthreads: lots\n', 'storage.filesystem.maxthreads: expected an integer'],
    ['version: 0.1\nstorage:\n  filesystem:\n    maxthreads: 2.5\n', 'storage.filesystem.maxthreads: expected an integer'],
    ['version: 0.1\nstorage:\n  inmemory:\n  cache:\n    blobdescriptor: memcached\n', 'storage.cache.blobdescriptor: expected one of: inmemory, redis'],
    ['version: 0.1\nstorage:\n  inmemory:\n  cache:\n    blobdescriptor: redis\n', 'storage.cache.blobdescriptor: the redis blob descriptor cache needs a redis section'],
    ['version: 0.1\nstorage:\n  inmemory:\n  maintenance:\n    uploadpurging:\n      age: a week\n', 'storage.maintenance.uploadpurging.age: expected a duration such as "10s" or "1h30m"'],
    [`${MINIMAL}log:\n  level: verbose\n`, 'log.level: expected one of: error, warn, info, debug'],
    [`${MINIMAL}log:\n  formatter: xml\n`, 'log.formatter: expected one of: text, json, logstash'],
    [`${MINIMAL}loglevel: loud\n`, 'loglevel: expected one of: error, warn, info, debug'],
    [`${MINIMAL}http:\n  addr: "5000"\n`, 'http.addr: expected host:port or :port, e.g. ":5000"'],
    [`${MINIMAL}http:\n  net: udp\n`, 'http.net: expected one of: tcp, unix'],
    [`${MINIMAL}http:\n  host: myregistry.example.com\n`, 'http.host: expected an absolute http:// or https:// URL'],
    [`${MINIMAL}http:\n  headers:\n    X-Frame-Options: {deny: true}\n`, 'http.headers.X-Frame-Options: expected a list'],
    [`${MINIMAL}http:\n  tls:\n    certificate: /c\n`, 'http.tls.key: required when http.tls.certificate is set'],
    [`${MINIMAL}http:\n  tls:\n    key: /k\n`, 'http.tls.certificate: required when http.tls.key is set'],
    [`${MINIMAL}http:\n  tls:\n    certificate: /c\n    key: /k\n    minimumtls: ssl3\n`, 'http.tls.minimumtls: expected one of: tls1.0, tls1.1, tls1.2, tls1.3'],
    [`${MINIMAL}http:\n  tls:\n    certificate: /c\n    key: /k\n    ciphersuites: [TLS_AES_128_GCM_SHA256, ECDHE-RSA-AES128-GCM-SHA256]\n`, 'http.tls.ciphersuites[1]: unknown cipher suite; expected a Go crypto/tls name such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
    [`${MINIMAL}http:\n  tls:\n    certificate: /c\n    key: /k\n    ciphersuites: [TLS_RSA_WITH_RC4_128_SHA]\n`, 'http.tls.ciphersuites[0]: RC4 cipher suites are broken and not available in this build (OpenSSL 3)'],
    [`${MINIMAL}auth:\n  htpasswd:\n    realm: basic\n`, 'auth.htpasswd.path: required'],
    [`${MINIMAL}auth:\n  silly:\n    service: s\n`, 'auth.silly.realm: required'],
    [`${MINIMAL}auth:\n  silly: {realm: r, service: s}\n  htpasswd: {realm: r, path: /p}\n`, 'auth: configure exactly one auth scheme, found 2: silly, htpasswd'],
    [`${MINIMAL}auth:\n  ldap:\n    url: ldap://x\n`, 'auth.ldap: unknown auth scheme; supported: silly, token, htpasswd'],
    [`${MINIMAL}auth:\n  token: {realm: r, service: s, issuer: i}\n`, 'auth.token.rootcertbundle: set rootcertbundle or jwks (or both)'],
    [`${MINIMAL}auth:\n  token: {realm: r, service: s, issuer: i, jwks: /j, signingalgorithms: [none]}\n`, 'auth.token.signingalgorithms[0]: expected one of: EdDSA, HS256, HS384, HS512, RS256, RS384, RS512, ES256, ES384, ES512, PS256, PS384, PS512'],
    [`${MINIMAL}notifications:\n  endpoints:\n    - url: http://a/\n`, 'notifications.endpoints[0].name: required'],
    [`${MINIMAL}notifications:\n  endpoints:\n    - name: a\n`, 'notifications.endpoints[0].url: required'],
    [`${MINIMAL}notifications:\n  endpoints:\n    - {name: a, url: "ftp://a/"}\n`, 'notifications.endpoints[0].url: expected an absolute http:// or https:// URL'],
    [`${MINIMAL}notifications:\n  endpoints:\n    - {name: a, url: "http://a/"}\n    - {name: a, url: "http://b/"}\n`, 'notifications.endpoints[1].name: endpoint names must be unique'],
    [`${MINIMAL}notifications:\n  endpoints:\n    - {name: a, url: "http://a/", threshold: -1}\n`, 'notifications.endpoints[0].threshold: must be at least 0'],
    [`${MINIMAL}notifications:\n  endpoints:\n    - {name: a, url: "http://a/", ignore: {actions: [pull, fetch]}}\n`, 'notifications.endpoints[0].ignore.actions[1]: expected one of: pull, push, mount, delete'],
    [`${MINIMAL}notifications:\n  endpoints:\n    name: a\n`, 'notifications.endpoints: expected a list'],
    [`${MINIMAL}redis:\n  db: 1\n`, 'redis.addr: required: the redis address (addr or addrs)'],
    [`${MINIMAL}redis:\n  addr: a:6379\n  addrs: [b:6379]\n`, 'redis.addrs: set either redis.addr or redis.addrs, not both'],
    [`${MINIMAL}redis:\n  addr: a:6379\n  pool: {maxidle: 1}\n  maxidleconns: 2\n`, 'redis.maxidleconns: set either redis.pool.maxidle or redis.maxidleconns, not both'],
    [`${MINIMAL}health:\n  http:\n    - timeout: 3s\n`, 'health.http[0].uri: required'],
    [`${MINIMAL}health:\n  tcp:\n    - addr: r:6379\n      threshold: -2\n`, 'health.tcp[0].threshold: must be at least 0'],
    [`${MINIMAL}validation:\n  manifests:\n    urls:\n      allow: ["^https?://(unclosed"]\n`, 'validation.manifests.urls.allow[0]: not a valid regular expression'],
    [`${MINIMAL}validation:\n  manifests:\n    indexes:\n      platforms: some\n`, 'validation.manifests.indexes.platforms: expected one of: all, none, list'],
    [`${MINIMAL}tags:\n  maxtags: -1\n`, 'tags.maxtags: must be at least 0'],
    [`${MINIMAL}elasticsearch:\n  indexprefix: x\n`, 'elasticsearch.urls: required: at least one URL'],
    [`${MINIMAL}elasticsearch:\n  urls: [es:9200]\n`, 'elasticsearch.urls[0]: expected an absolute http:// or https:// URL'],
    [`${MINIMAL}database:\n  user: u\n`, 'database.url: required: set database.url or database.host'],
    [`${MINIMAL}database:\n  url: postgres://db/x\n  host: db\n`, 'database.host: set either database.url or database.host, not both'],
    [`${MINIMAL}api:\n  port: 8080\n`, 'api.addr: required\napi.port: unknown key'],
  ];
  for (const [yaml, line] of cases) {
    test(line, () => rejectsWith(yaml, line));
  }
});

describe('every problem is reported at once', () => {
  test('one line per problem, each naming its key', () => {
    const error = rejects(`version: 0.1
storage:
  inmemory:
  delete:
    enabled: maybe
http:
  net: udp
auth:
  htpasswd:
    realm: r
`, {});
    assert.deepEqual(
      error.issues.map((i) => `${i.path}: ${i.message}`),
      ['storage.delete.enabled: expected a boolean (true or false)', 'auth.htpasswd.path: required', 'http.net: expected one of: tcp, unix'],
    );
  });
});

describe('secrets never appear in error messages', () => {
  test('a wrongly typed http.secret or password is named, not shown', () => {
    const error = rejects(
      `${MINIMAL}http:\n  secret: [hunter2]\nredis:\n  addr: r:6379\n  password: {value: hunter3}\nproxy:\n  password: hunter4\n`,
      {},
      /^http\.secret: expected a string$/m,
      /^redis\.password: expected a string$/m,
      /^proxy\.remoteurl: required/m,
    );
    assert.doesNotMatch(error.message, /hunter/);
  });

  test('nor do they appear in YAML syntax errors', () => {
    const error = rejects(`${MINIMAL}http:\n  secret: "hunter2\n`, {});
    assert.doesNotMatch(error.message, /hunter2/);
  });

  test('nor in environment errors', () => {
    const error = rejects(MINIMAL, { REGISTRY_HTTP_SECRET: 'ok', REGISTRY_REDIS_PASSWORD: '[hunter5]' }, /redis/);
    assert.doesNotMatch(error.message, /hunter5/);
  });
});
