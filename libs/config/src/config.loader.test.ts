import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError } from './config.error.js';
import { defaultConfig, loadConfig, parseConfig } from './config.loader.js';

const dir = mkdtempSync(join(tmpdir(), 'wharf-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function writeConfig(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('defaultConfig (what `wharf serve` uses without a file)', () => {
  const config = defaultConfig();

  test('filesystem storage under ./data, listening on :5000', () => {
    assert.deepEqual(config.storage.driver, { name: 'filesystem', rootDirectory: './data', maxThreads: 100 });
    assert.equal(config.http.addr, ':5000');
    assert.equal(config.http.net, 'tcp');
    assert.equal(config.http.prefix, '/');
  });

  test('registry:2 defaults everywhere else', () => {
    assert.equal(config.version, '0.1');
    assert.equal(config.log.level, 'info');
    assert.equal(config.log.formatter, 'text');
    assert.equal(config.storage.delete.enabled, false);
    assert.deepEqual(config.storage.maintenance.uploadPurging, {
      enabled: true,
      ageMs: 7 * 24 * 3_600_000,
      intervalMs: 24 * 3_600_000,
      dryRun: false,
    });
    assert.equal(config.storage.maintenance.readOnly.enabled, false);
    assert.equal(config.storage.redirect.disable, false);
    assert.equal(config.auth, undefined);
    assert.equal(config.redis, undefined);
    assert.equal(config.http.secret, undefined);
    assert.equal(config.http.tls, undefined);
    assert.deepEqual(config.notifications.endpoints, []);
    assert.equal(config.validation.enabled, true);
    assert.equal(config.catalog.maxEntries, 1000);
    assert.equal(config.tags.maxTags, 1000);
  });

  test('is the same as loading with no file and an empty environment', () => {
    assert.deepEqual(loadConfig({ env: {} }), config);
    assert.deepEqual(parseConfig(undefined, {}), config);
  });
});

describe('loadConfig', () => {
  test('reads the file it is given and applies the environment', () => {
    const file = writeConfig('a.yml', 'version: 0.1\nstorage:\n  inmemory:\nhttp:\n  addr: :5001\n');
    const config = loadConfig({ file, env: { REGISTRY_HTTP_ADDR: ':6000' } });
    assert.deepEqual(config.storage.driver, { name: 'inmemory' });
    assert.equal(config.http.addr, ':6000');
  });

  test('without a file argument, REGISTRY_CONFIGURATION_PATH names the file, as in registry:2', () => {
    const file = writeConfig('b.yml', 'version: 0.1\nstorage: inmemory\n');
    assert.deepEqual(loadConfig({ env: { REGISTRY_CONFIGURATION_PATH: file } }).storage.driver, { name: 'inmemory' });
  });

  test('a missing file is a ConfigError naming the file', () => {
    const missing = join(dir, 'nope.yml');
    assert.throws(
      () => loadConfig({ file: missing, env: {} }),
      (error: unknown) => error instanceof ConfigError && error.message === `${missing}: cannot read the config file (ENOENT)`,
    );
  });

  test('YAML syntax errors give the file, line and column but not the line itself', () => {
    const file = writeConfig('bad.yml', 'version: 0.1\nhttp:\n  secret: hunter2: oops\n');
    assert.throws(
      () => loadConfig({ file, env: {} }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /bad\.yml: YAML syntax error at line 3, column \d+/.test(error.message) &&
        !error.message.includes('hunter2'),
    );
  });

  test('an empty file lacks the required version and storage', () => {
    assert.throws(
      () => parseConfig('', {}),
      (error: unknown) =>
        error instanceof ConfigError && error.message === 'version: required\nstorage: no storage driver configured; name one of: filesystem, inmemory, s3, oss, azure, gcs, swift',
    );
  });

  test('a file that is not a mapping is refused', () => {
    assert.throws(() => parseConfig('- version: 0.1\n', {}), /expected a mapping of configuration sections/);
  });

  test('YAML 1.1 spellings read as registry:2 reads them', () => {
    const config = parseConfig('version: 0.1\nstorage:\n  inmemory:\n  delete:\n    enabled: yes\nhttp:\n  secret: 0123\n', {});
    assert.equal(config.storage.delete.enabled, true);
    assert.equal(config.http.secret, '0123');
  });

  test('anchors and merge keys work', () => {
    const valid = `version: 0.1
storage: inmemory
notifications:
  endpoints:
    - &hook {name: a, url: "http://a/", timeout: 1s}
    - <<: *hook
      name: b
`;
    assert.deepEqual(
      parseConfig(valid, {}).notifications.endpoints.map((e) => [e.name, e.url, e.timeoutMs]),
      [
        ['a', 'http://a/', 1_000],
        ['b', 'http://a/', 1_000],
      ],
    );
  });
});
