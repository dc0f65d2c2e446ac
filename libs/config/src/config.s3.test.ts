import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { S3StorageConfig } from './config.types.js';
import { parse } from './config.test-helpers.js';

function s3Of(yaml: string): S3StorageConfig {
  const driver = parse(`version: 0.1\nstorage:\n${yaml}`).storage.driver;
  assert.ok(driver.name === 's3' || driver.name === 'oss', `driver ${driver.name}`);
  return driver.s3;
}

describe('storage.s3', () => {
  test('registry:2 2.8: a regionendpoint means path-style addressing, unless forcepathstyle says otherwise (v3)', () => {
    const base = '  s3:\n    region: us-east-1\n    bucket: b\n';
    assert.equal(s3Of(`${base}    regionendpoint: http://minio:9000\n`).forcePathStyle, true);
    assert.equal(s3Of(`${base}    regionendpoint: http://minio:9000\n    forcepathstyle: false\n`).forcePathStyle, false);
    assert.equal(s3Of(base).forcePathStyle, false, 'AWS itself: bucket in the host name');
    assert.equal(s3Of(`${base}    forcepathstyle: true\n`).forcePathStyle, true);
  });

  test('without keys, the AWS SDK default credential chain (no keys in the settings)', () => {
    const s3 = s3Of('  s3:\n    region: eu-west-1\n    bucket: b\n');
    assert.equal(s3.accessKey, undefined);
    assert.equal(s3.secretKey, undefined);
  });

  test('registry:2 defaults, storageclass NONE sends none, loglevel off as YAML reads it', () => {
    const s3 = s3Of('  s3:\n    region: eu-west-1\n    bucket: b\n    storageclass: none\n    loglevel: off\n    encrypt: true\n    keyid: kms-key\n');
    assert.deepEqual(
      [s3.chunkSize, s3.multipartCopyChunkSize, s3.multipartCopyMaxConcurrency, s3.multipartCopyThresholdSize, s3.secure, s3.objectAcl],
      [10 * 1024 * 1024, 32 * 1024 * 1024, 100, 32 * 1024 * 1024, true, 'private'],
    );
    assert.equal(s3.storageClass, undefined);
    assert.equal(s3.logLevel, 'off');
    assert.deepEqual([s3.encrypt, s3.keyId], [true, 'kms-key']);
    assert.equal(s3Of('  s3:\n    region: r\n    bucket: b\n    loglevel: debugwithhttpbody\n').logLevel, 'debug');
  });
});

describe('storage.oss onto OSS\'s S3-compatible API', () => {
  const base = '  oss:\n    accesskeyid: id\n    accesskeysecret: secret\n    region: oss-cn-hangzhou\n    bucket: images\n';

  test('the region names the public S3 endpoint, signed for the region id, bucket in the host name', () => {
    const s3 = s3Of(base);
    assert.deepEqual(
      { endpoint: s3.endpoint, region: s3.region, forcePathStyle: s3.forcePathStyle, accessKey: s3.accessKey, secretKey: s3.secretKey, secure: s3.secure },
      { endpoint: 's3.oss-cn-hangzhou.aliyuncs.com', region: 'cn-hangzhou', forcePathStyle: false, accessKey: 'id', secretKey: 'secret', secure: true },
    );
    assert.equal(s3.objectAcl, undefined, 'OSS has its own ACL names: none is sent');
    assert.equal(s3.storageClass, undefined);
  });

  test('internal: the VPC endpoint', () => {
    assert.equal(s3Of(`${base}    internal: true\n`).endpoint, 's3.oss-cn-hangzhou-internal.aliyuncs.com');
  });

  test('endpoint replaces the host; an IP address or a port cannot carry the bucket, so path-style', () => {
    assert.deepEqual([s3Of(`${base}    endpoint: oss.example.com\n`).endpoint, s3Of(`${base}    endpoint: oss.example.com\n`).forcePathStyle], ['oss.example.com', false]);
    assert.equal(s3Of(`${base}    endpoint: 127.0.0.1:7070\n    secure: false\n`).forcePathStyle, true);
    assert.equal(s3Of(`${base}    endpoint: 10.0.0.8\n`).forcePathStyle, true);
  });

  test('encrypt, chunksize, rootdirectory carry over; chunksize keeps S3\'s 5 MiB floor', () => {
    const s3 = s3Of(`${base}    encrypt: true\n    chunksize: 6291456\n    rootdirectory: /registry\n`);
    assert.deepEqual([s3.encrypt, s3.chunkSize, s3.rootDirectory], [true, 6291456, '/registry']);
    assert.throws(() => s3Of(`${base}    chunksize: 1024\n`), /storage\.oss\.chunksize: must be at least 5242880/);
  });
});
