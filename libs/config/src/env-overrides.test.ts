import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isPlatformVariable } from './env-overrides.js';
import { MINIMAL, parse, rejects } from './config.test-helpers.js';

const FILESYSTEM = `version: 0.1
storage:
  filesystem:
    rootdirectory: /var/lib/registry
  delete:
    enabled: false
  cache:
    blobdescriptor: inmemory
http:
  addr: :5000
  headers:
    X-Content-Type-Options: [nosniff]
  debug:
    addr: localhost:5001
`;

describe('REGISTRY_* overrides: scalars', () => {
  test('a string key: REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY', () => {
    const config = parse(FILESYSTEM, { REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: '/somewhere' });
    assert.deepEqual(config.storage.driver, { name: 'filesystem', rootDirectory: '/somewhere', maxThreads: 100 });
  });

  test('a boolean key: REGISTRY_STORAGE_DELETE_ENABLED=true', () => {
    assert.equal(parse(FILESYSTEM, { REGISTRY_STORAGE_DELETE_ENABLED: 'true' }).storage.delete.enabled, true);
  });

  test('an integer key: REGISTRY_NOTIFICATIONS_ENDPOINTS_0_THRESHOLD', () => {
    const yaml = `${MINIMAL}notifications:\n  endpoints:\n    - name: a\n      url: http://a/\n`;
    const config = parse(yaml, { REGISTRY_NOTIFICATIONS_ENDPOINTS_0_THRESHOLD: '3' });
    assert.equal(config.notifications.endpoints[0]!.threshold, 3);
  });

  test('a duration key: REGISTRY_HTTP_DRAINTIMEOUT=30s', () => {
    assert.equal(parse(FILESYSTEM, { REGISTRY_HTTP_DRAINTIMEOUT: '30s' }).http.drainTimeoutMs, 30_000);
  });

  test('the secret keeps its exact text, even when it looks like a number', () => {
    assert.equal(parse(FILESYSTEM, { REGISTRY_HTTP_SECRET: '0123' }).http.secret, '0123');
  });

  test('a secret that is not valid YAML is taken verbatim', () => {
    assert.equal(parse(FILESYSTEM, { REGISTRY_HTTP_SECRET: '[s3cr3t' }).http.secret, '[s3cr3t');
    assert.equal(parse(FILESYSTEM, { REGISTRY_HTTP_SECRET: '*x: y' }).http.secret, '*x: y');
  });

  test('an empty value clears the key, as registry:2 (REGISTRY_HTTP_DEBUG= turns the debug server off)', () => {
    assert.equal(parse(FILESYSTEM).http.debug.addr, 'localhost:5001');
    assert.equal(parse(FILESYSTEM, { REGISTRY_HTTP_DEBUG: '' }).http.debug.addr, undefined);
  });

  test('REGISTRY_LOG_LEVEL=error overrides the file, and case does not matter in the value', () => {
    assert.equal(parse(`${MINIMAL}log:\n  level: debug\n`, { REGISTRY_LOG_LEVEL: 'ERROR' }).log.level, 'error');
  });

  test('overrides create sections the file does not have', () => {
    const config = parse(MINIMAL, { REGISTRY_REDIS_ADDR: 'redis:6379', REGISTRY_REDIS_DB: '2' });
    assert.deepEqual(config.redis?.addrs, ['redis:6379']);
    assert.equal(config.redis?.db, 2);
  });

  test('overrides apply to the built-in defaults when there is no file', () => {
    const config = parse(undefined, { REGISTRY_HTTP_ADDR: ':6000' });
    assert.equal(config.http.addr, ':6000');
    assert.deepEqual(config.storage.driver, { name: 'filesystem', rootDirectory: './data', maxThreads: 100 });
  });
});

describe('REGISTRY_* overrides: maps', () => {
  test('a header is the rest of the name, and replaces the same header from the file', () => {
    const config = parse(FILESYSTEM, {
      'REGISTRY_HTTP_HEADERS_X-CONTENT-TYPE-OPTIONS': '[nosniff, other]',
      'REGISTRY_HTTP_HEADERS_ACCESS-CONTROL-ALLOW-ORIGIN': '["*"]',
    });
    assert.deepEqual(config.http.headers, {
      'X-Content-Type-Options': ['nosniff', 'other'],
      'access-control-allow-origin': ['*'],
    });
  });

  test('a single header value needs no list brackets', () => {
    const config = parse(MINIMAL, { 'REGISTRY_HTTP_HEADERS_STRICT-TRANSPORT-SECURITY': 'max-age=31536000' });
    assert.deepEqual(config.http.headers, { 'strict-transport-security': ['max-age=31536000'] });
  });

  test('a header value by list index: REGISTRY_HTTP_HEADERS_X-FOO_0', () => {
    assert.deepEqual(parse(MINIMAL, { 'REGISTRY_HTTP_HEADERS_X-FOO_0': 'bar' }).http.headers, { 'x-foo': ['bar'] });
  });

  test('nested log fields, as registry:2 nests free-form maps', () => {
    assert.deepEqual(parse(MINIMAL, { REGISTRY_LOG_FIELDS_DEPLOY_REGION: 'eu' }).log.fields, { deploy: { region: 'eu' } });
  });

  test('log fields take the lower-cased rest of the name as the key', () => {
    const config = parse(MINIMAL, { REGISTRY_LOG_FIELDS_SERVICE: 'registry', REGISTRY_LOG_FIELDS_ENVIRONMENT: 'staging' });
    assert.deepEqual(config.log.fields, { service: 'registry', environment: 'staging' });
  });

  test('endpoint headers: REGISTRY_NOTIFICATIONS_ENDPOINTS_0_HEADERS_AUTHORIZATION', () => {
    const yaml = `${MINIMAL}notifications:\n  endpoints:\n    - name: a\n      url: http://a/\n`;
    const config = parse(yaml, { REGISTRY_NOTIFICATIONS_ENDPOINTS_0_HEADERS_AUTHORIZATION: '[Bearer t0ken]' });
    assert.deepEqual(config.notifications.endpoints[0]!.headers, { authorization: ['Bearer t0ken'] });
  });

  test('auth scheme parameters: REGISTRY_AUTH_HTPASSWD_REALM / _PATH', () => {
    const yaml = `${MINIMAL}auth:\n  htpasswd:\n    realm: old\n    path: /old\n`;
    const config = parse(yaml, { REGISTRY_AUTH_HTPASSWD_PATH: '/auth/htpasswd' });
    assert.deepEqual(config.auth, { scheme: 'htpasswd', realm: 'old', path: '/auth/htpasswd' });
  });
});

describe('REGISTRY_* overrides: lists', () => {
  test('a YAML list value replaces the whole list', () => {
    const yaml = `${MINIMAL}notifications:\n  endpoints:\n    - name: old\n      url: http://old/\n`;
    const config = parse(yaml, {
      REGISTRY_NOTIFICATIONS_ENDPOINTS: '- name: a\n  url: http://a/\n  timeout: 2s\n- name: b\n  url: https://b/hook',
    });
    assert.deepEqual(
      config.notifications.endpoints.map((e) => [e.name, e.url, e.timeoutMs]),
      [
        ['a', 'http://a/', 2_000],
        ['b', 'https://b/hook', 1_000],
      ],
    );
  });

  test('a JSON value works too, since JSON is YAML', () => {
    const config = parse(MINIMAL, { REGISTRY_NOTIFICATIONS_ENDPOINTS: '[{"name":"a","url":"http://a/"}]' });
    assert.equal(config.notifications.endpoints[0]?.name, 'a');
  });

  test('a numeric segment sets one entry, and the next index appends', () => {
    const yaml = `${MINIMAL}notifications:\n  endpoints:\n    - name: a\n      url: http://a/\n`;
    const config = parse(yaml, {
      REGISTRY_NOTIFICATIONS_ENDPOINTS_0_URL: 'https://a.example/',
      REGISTRY_NOTIFICATIONS_ENDPOINTS_1_NAME: 'b',
      REGISTRY_NOTIFICATIONS_ENDPOINTS_1_URL: 'http://b/',
    });
    assert.deepEqual(
      config.notifications.endpoints.map((e) => [e.name, e.url]),
      [
        ['a', 'https://a.example/'],
        ['b', 'http://b/'],
      ],
    );
  });

  test('a list of strings by index: REGISTRY_HTTP_TLS_CLIENTCAS_0', () => {
    const yaml = `${MINIMAL}http:\n  tls:\n    certificate: /c.pem\n    key: /k.pem\n`;
    assert.deepEqual(parse(yaml, { REGISTRY_HTTP_TLS_CLIENTCAS_0: '/ca.pem' }).http.tls?.clientCAs, ['/ca.pem']);
  });

  test('an index past the end is refused, naming the variable', () => {
    rejects(MINIMAL, { REGISTRY_NOTIFICATIONS_ENDPOINTS_2_NAME: 'x' }, /^REGISTRY_NOTIFICATIONS_ENDPOINTS_2_NAME: index 2 is past the end/m);
  });
});

describe('REGISTRY_* overrides: driver and scheme selection', () => {
  test('REGISTRY_STORAGE=inmemory replaces the filesystem driver but keeps delete and cache', () => {
    const config = parse(`${FILESYSTEM}`.replace('enabled: false', 'enabled: true'), { REGISTRY_STORAGE: 'inmemory' });
    assert.deepEqual(config.storage.driver, { name: 'inmemory' });
    assert.equal(config.storage.delete.enabled, true);
    assert.equal(config.storage.cache.blobDescriptor, 'inmemory');
  });

  test('REGISTRY_STORAGE=filesystem with a root directory, applied in name order', () => {
    const config = parse(MINIMAL, {
      REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: '/srv/registry',
      REGISTRY_STORAGE: 'filesystem',
    });
    assert.deepEqual(config.storage.driver, { name: 'filesystem', rootDirectory: '/srv/registry', maxThreads: 100 });
  });

  test('naming the driver the file already has keeps its settings', () => {
    const config = parse(FILESYSTEM, { REGISTRY_STORAGE: 'filesystem' });
    assert.deepEqual(config.storage.driver, { name: 'filesystem', rootDirectory: '/var/lib/registry', maxThreads: 100 });
  });

  test('`storage: inmemory` in the file keeps its driver when a subsection is overridden', () => {
    const config = parse('version: 0.1\nstorage: inmemory\n', { REGISTRY_STORAGE_DELETE_ENABLED: 'true' });
    assert.deepEqual(config.storage.driver, { name: 'inmemory' });
    assert.equal(config.storage.delete.enabled, true);
  });

  test('REGISTRY_STORAGE=s3 switches to the s3 driver, whose required keys are then named', () => {
    rejects(FILESYSTEM, { REGISTRY_STORAGE: 's3' }, /^storage\.s3\.region: required \(from REGISTRY_STORAGE\)$/m);
    const config = parse(FILESYSTEM, {
      REGISTRY_STORAGE: 's3',
      REGISTRY_STORAGE_S3_REGION: 'eu-west-1',
      REGISTRY_STORAGE_S3_BUCKET: 'images',
      REGISTRY_STORAGE_S3_REGIONENDPOINT: 'http://minio:9000',
      REGISTRY_STORAGE_S3_CHUNKSIZE: '6291456',
    });
    assert.equal(config.storage.driver.name, 's3');
    assert.deepEqual(config.storage.driver.name === 's3' && [config.storage.driver.s3.bucket, config.storage.driver.s3.forcePathStyle, config.storage.driver.s3.chunkSize], ['images', true, 6291456]);
  });

  test('REGISTRY_STORAGE=oss with some of its parameters names the keys still missing', () => {
    rejects(MINIMAL, { REGISTRY_STORAGE: 'oss', REGISTRY_STORAGE_OSS_BUCKET: 'b' }, /^storage\.oss\.accesskeyid: required/m);
  });

  test('REGISTRY_STORAGE=gcs with its parameters switches to the gcs driver', () => {
    const config = parse(MINIMAL, { REGISTRY_STORAGE: 'gcs', REGISTRY_STORAGE_GCS_BUCKET: 'b' });
    assert.equal(config.storage.driver.name === 'gcs' && config.storage.driver.bucket, 'b');
  });

  test('REGISTRY_AUTH=htpasswd with its parameters (the docker-compose style from the seeds)', () => {
    const config = parse(MINIMAL, {
      REGISTRY_AUTH: 'htpasswd',
      REGISTRY_AUTH_HTPASSWD_PATH: '/auth/docker-registry-htpasswd',
      REGISTRY_AUTH_HTPASSWD_REALM: 'basic',
    });
    assert.deepEqual(config.auth, { scheme: 'htpasswd', realm: 'basic', path: '/auth/docker-registry-htpasswd' });
  });

  test('REGISTRY_AUTH naming the scheme the file has keeps its settings', () => {
    const yaml = `${MINIMAL}auth:\n  htpasswd:\n    realm: r\n    path: /p\n`;
    assert.deepEqual(parse(yaml, { REGISTRY_AUTH: 'htpasswd' }).auth, { scheme: 'htpasswd', realm: 'r', path: '/p' });
  });

  test('REGISTRY_AUTH=token replaces a silly scheme from the file', () => {
    const yaml = `${MINIMAL}auth:\n  silly:\n    realm: r\n    service: s\n`;
    const config = parse(yaml, {
      REGISTRY_AUTH: 'token',
      REGISTRY_AUTH_TOKEN_REALM: 'https://auth.example/token',
      REGISTRY_AUTH_TOKEN_SERVICE: 'registry',
      REGISTRY_AUTH_TOKEN_ISSUER: 'issuer',
      REGISTRY_AUTH_TOKEN_ROOTCERTBUNDLE: '/certs/bundle.pem',
    });
    assert.equal(config.auth?.scheme, 'token');
  });
});

describe('REGISTRY_* overrides: registry:2 spellings and unknown names', () => {
  test("registry:2's Go field names are accepted where they differ from the YAML key", () => {
    const config = parse(MINIMAL, {
      REGISTRY_NOTIFICATIONS_EVENTCONFIG_INCLUDEREFERENCES: 'true',
      REGISTRY_HEALTH_FILECHECKERS: '- file: /tmp/down',
    });
    assert.equal(config.notifications.events.includeReferences, true);
    assert.deepEqual(config.health.file.map((f) => f.file), ['/tmp/down']);
  });

  test('the YAML key spelling works as well', () => {
    assert.equal(parse(MINIMAL, { REGISTRY_NOTIFICATIONS_EVENTS_INCLUDEREFERENCES: 'true' }).notifications.events.includeReferences, true);
  });

  test('an unknown name is refused, naming the variable and suggesting the right one', () => {
    rejects(MINIMAL, { REGISTRY_HTTP_TLS_CERIFICATE: '/certs/a.crt' }, /^REGISTRY_HTTP_TLS_CERIFICATE: no configuration key "cerificate" in http\.tls; did you mean REGISTRY_HTTP_TLS_CERTIFICATE\?$/m);
  });

  test('an unknown section is refused', () => {
    rejects(MINIMAL, { REGISTRY_STORAGEE_DELETE_ENABLED: 'true' }, /^REGISTRY_STORAGEE_DELETE_ENABLED: no configuration key "storagee" in the top level; did you mean REGISTRY_STORAGE\?/m);
  });

  test('a name that goes below a single value is refused', () => {
    rejects(MINIMAL, { REGISTRY_HTTP_ADDR_PORT: '5000' }, /^REGISTRY_HTTP_ADDR_PORT: http\.addr is a single value/m);
  });

  test('version cannot be overridden', () => {
    rejects(MINIMAL, { REGISTRY_VERSION: '0.2' }, /^REGISTRY_VERSION: the config version cannot be overridden/m);
  });

  test('every bad variable is reported at once, and values are never echoed', () => {
    const error = rejects(MINIMAL, { REGISTRY_HTTP_SECRETS: 'hunter2', REGISTRY_FOO: 'hunter3' }, /REGISTRY_HTTP_SECRETS/, /REGISTRY_FOO/);
    assert.equal(error.issues.length, 2);
    assert.doesNotMatch(error.message, /hunter/);
  });

  test('a value of the wrong type names the key and the variable, not the value', () => {
    const error = rejects(FILESYSTEM, { REGISTRY_STORAGE_DELETE_ENABLED: 'sure' }, /^storage\.delete\.enabled: expected a boolean \(true or false\) \(from REGISTRY_STORAGE_DELETE_ENABLED\)$/m);
    assert.doesNotMatch(error.message, /sure/);
    assert.equal(error.issues[0]?.envVar, 'REGISTRY_STORAGE_DELETE_ENABLED');
  });

  test('a quoted "true" is a string, not a boolean, as in registry:2', () => {
    rejects(FILESYSTEM, { REGISTRY_STORAGE_DELETE_ENABLED: '"true"' }, /storage\.delete\.enabled: expected a boolean/);
  });

  test('other environment variables are ignored', () => {
    assert.equal(parse(MINIMAL, { PATH: '/usr/bin', REGISTRYX: '1', registry_http_addr: 'x' }).http.addr, ':5000');
  });
});

describe('platform-injected REGISTRY_* variables are not configuration', () => {
  const injected: Record<string, string> = {
    // Kubernetes, for a Service named "registry" and one named "registry-auth"
    REGISTRY_SERVICE_HOST: '10.0.0.1',
    REGISTRY_SERVICE_PORT: '5000',
    REGISTRY_SERVICE_PORT_HTTP: '5000',
    REGISTRY_PORT: 'tcp://10.0.0.1:5000',
    REGISTRY_PORT_5000_TCP: 'tcp://10.0.0.1:5000',
    REGISTRY_PORT_5000_TCP_ADDR: '10.0.0.1',
    REGISTRY_PORT_5000_TCP_PORT: '5000',
    REGISTRY_PORT_5000_TCP_PROTO: 'tcp',
    REGISTRY_AUTH_PORT: 'tcp://10.0.0.2:80',
    REGISTRY_AUTH_SERVICE_HOST: '10.0.0.2',
    // registry:2's own way to name the config file
    REGISTRY_CONFIGURATION_PATH: '/etc/docker/registry/config.yml',
  };

  test('they are skipped and the config parses', () => {
    const config = parse(MINIMAL, injected);
    assert.equal(config.auth, undefined);
    assert.equal(config.http.addr, ':5000');
  });

  test('a real override that ends in _PORT still applies', () => {
    assert.equal(isPlatformVariable('REGISTRY_DATABASE_PORT', '5432'), false);
    assert.equal(isPlatformVariable('REGISTRY_DATABASE_PORT', 'tcp://10.0.0.3:5432'), true);
    const config = parse(`${MINIMAL}database:\n  host: db\n`, { REGISTRY_DATABASE_PORT: '6432' });
    assert.equal(config.database?.port, 6432);
  });
});
