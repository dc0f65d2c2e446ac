import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError } from './config.error.js';
import { loadConfig, parseConfig } from './config.loader.js';

// Real registry:2 files from the seed article (Docker in Action, ch. 10); see test-fixtures/README.md.
const fixture = (name: string) => fileURLToPath(new URL(`../test-fixtures/${name}`, import.meta.url));

function loadError(name: string): ConfigError {
  try {
    loadConfig({ file: fixture(name), env: {} });
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error;
  }
  assert.fail(`${name} was expected to be rejected`);
}

describe('seed config: tls-auth-registry.yml', () => {
  const config = loadConfig({ file: fixture('tls-auth-registry.yml'), env: {} });

  test('filesystem storage at /var/lib/registry', () => {
    assert.deepEqual(config.storage.driver, { name: 'filesystem', rootDirectory: '/var/lib/registry', maxThreads: 100 });
  });

  test('the old `cache.layerinfo` key selects the in-memory blob descriptor cache', () => {
    assert.equal(config.storage.cache.blobDescriptor, 'inmemory');
  });

  test('upload purging is off, with registry:2 defaults for the unset age and interval', () => {
    assert.deepEqual(config.storage.maintenance.uploadPurging, {
      enabled: false,
      ageMs: 168 * 3_600_000,
      intervalMs: 24 * 3_600_000,
      dryRun: false,
    });
  });

  test('TLS, htpasswd auth, debug server and log settings', () => {
    assert.equal(config.http.addr, ':5000');
    assert.equal(config.http.secret, 'asecratforlocaldevelopment');
    assert.equal(config.http.tls?.certificate, '/localhost.crt');
    assert.equal(config.http.tls?.key, '/localhost.key');
    assert.equal(config.http.debug.addr, 'localhost:5001');
    assert.deepEqual(config.auth, { scheme: 'htpasswd', realm: 'registry.localhost', path: '/registry.password' });
    assert.equal(config.log.level, 'debug');
    assert.deepEqual(config.log.fields, { services: 'registry', environment: 'development' });
  });

  test('environment overrides apply on top of the file', () => {
    const overridden = loadConfig({
      file: fixture('tls-auth-registry.yml'),
      env: { REGISTRY_LOG_LEVEL: 'warn', REGISTRY_HTTP_SECRET: 'from-env' },
    });
    assert.equal(overridden.log.level, 'warn');
    assert.equal(overridden.http.secret, 'from-env');
  });
});

describe('seed config: hooks-config.yml', () => {
  const config = loadConfig({ file: fixture('hooks-config.yml'), env: {} });

  test('the webhook endpoint is configured', () => {
    const [endpoint, ...others] = config.notifications.endpoints;
    assert.equal(others.length, 0);
    assert.equal(endpoint?.name, 'webhookmonitor');
    assert.equal(endpoint?.url, 'http://webhookmonitor:8000/');
    assert.equal(endpoint?.threshold, 5);
    assert.equal(endpoint?.disabled, false);
  });

  test('`timeout: 500` and `backoff: 1000` have no unit, so they are nanoseconds, exactly as registry:2 reads them', () => {
    const endpoint = config.notifications.endpoints[0]!;
    assert.equal(endpoint.timeoutMs, 0.0005);
    assert.equal(endpoint.backoffMs, 0.001);
  });

  test('explicit upload purging values and the listen address', () => {
    assert.equal(config.storage.maintenance.uploadPurging.ageMs, 168 * 3_600_000);
    assert.equal(config.storage.maintenance.uploadPurging.intervalMs, 24 * 3_600_000);
    assert.equal(config.http.addr, '0.0.0.0:5000');
    assert.equal(config.log.formatter, 'text');
  });
});

describe('seed configs Wharf rejects, with a message naming the feature', () => {
  test('scalable-config.yml: the CloudFront duration written as a bare number, which registry:2 ignores', () => {
    const error = loadError('scalable-config.yml');
    assert.deepEqual(
      error.issues.map((i) => i.path),
      ['middleware.storage[0].options.duration'],
    );
    assert.match(error.message, /write a duration such as "20m"/);
    assert.doesNotMatch(error.message, /your_awssecretkey/);
  });

  test('rados-config.yml: the repeated `storage:` key is a YAML error naming the key and both lines', () => {
    const error = loadError('rados-config.yml');
    assert.match(error.message, /rados-config\.yml: YAML syntax error at line 10, column 1: Map keys must be unique: key "storage" repeated \(first at line 7\)/);
  });

  test('sample-config-002.yml, printed with its indentation lost: the first repeated key is named', () => {
    const error = loadError('sample-config-002.yml');
    assert.match(error.message, /sample-config-002\.yml: YAML syntax error at line 30, column 1: Map keys must be unique: key "enabled" repeated \(first at line 23\)/);
  });

  test('a nested key given twice is named by its path', () => {
    assert.throws(
      () => parseConfig('version: 0.1\nstorage:\n  inmemory:\n  delete:\n    enabled: true\n    enabled: false\n', {}),
      /YAML syntax error at line 6, column 5: Map keys must be unique: key "storage\.delete\.enabled" repeated \(first at line 5\)/,
    );
  });

  test('the S3 file works once the driver is switched by the environment', () => {
    const error = (() => {
      try {
        loadConfig({ file: fixture('s3-config.yml'), env: { REGISTRY_STORAGE: 'inmemory' } });
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    assert.equal(error, undefined);
  });
});

describe('s3-config.yml (the seeds\' S3 driver)', () => {
  test('loads with registry:2\'s values and defaults', () => {
    const config = loadConfig({ file: fixture('s3-config.yml'), env: {} });
    const driver = config.storage.driver;
    assert.equal(driver.name, 's3');
    assert.deepEqual(driver.name === 's3' ? driver.s3 : undefined, {
      bucket: 'your_bucketname',
      region: 'your_bucket_region',
      forcePathStyle: false,
      accessKey: 'your_awsaccesskey',
      secretKey: 'your_awssecretkey',
      secure: true,
      skipVerify: false,
      encrypt: true,
      chunkSize: 5242880,
      multipartCopyChunkSize: 32 * 1024 * 1024,
      multipartCopyMaxConcurrency: 100,
      multipartCopyThresholdSize: 32 * 1024 * 1024,
      rootDirectory: '/s3/object/name/prefix',
      storageClass: 'STANDARD',
      objectAcl: 'private',
      useDualStack: false,
      accelerate: false,
      logLevel: 'off',
    });
    assert.equal(config.storage.cache.blobDescriptor, 'inmemory');
  });
});
