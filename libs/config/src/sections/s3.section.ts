import { z } from 'zod';
import { bool, section, text } from '../config.fields.js';
import { RawScalar } from '../raw-value.js';
import type { S3StorageConfig } from '../config.types.js';

const MiB = 1024 * 1024;
/** S3's part limits, which registry:2 applies to chunksize and the copy chunk size. */
const MIN_CHUNK = 5 * MiB;
const MAX_CHUNK = 5 * 1024 * MiB;

/** A byte count as registry:2 reads it: a YAML integer or a string Go's ParseInt(s, 0, 64) accepts. */
const byteCount = (min: number, max: number) =>
  z.preprocess(
    (value) => {
      const scalar = value instanceof RawScalar ? value.value : value;
      if (scalar === null || scalar === '' || scalar === undefined) return undefined;
      if (typeof scalar === 'string' && /^(0x[0-9a-f]+|0o?[0-7]+|0b[01]+|[0-9]+)$/i.test(scalar.trim())) {
        return Number(scalar.trim().replace(/^0(?=[0-7])/, '0o'));
      }
      return scalar;
    },
    z.int({ error: (issue) => (issue.code === 'invalid_type' ? 'expected a number of bytes' : undefined) }).min(min).max(max),
  );

const OBJECT_ACLS = [
  'private',
  'public-read',
  'public-read-write',
  'authenticated-read',
  'aws-exec-read',
  'bucket-owner-read',
  'bucket-owner-full-control',
] as const;

// registry:2 2.8 knows STANDARD and REDUCED_REDUNDANCY (and NONE: send no class); v3 adds AWS's newer classes.
const STORAGE_CLASSES = ['NONE', 'STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'OUTPOSTS', 'GLACIER_IR'] as const;

/** v3's loglevel values; YAML reads a bare `off` as false. */
const LOG_LEVELS = ['off', 'debug', 'debugwithsigning', 'debugwithhttpbody', 'debugwithrequestretries', 'debugwithrequesterrors', 'debugwitheventstreambody'] as const;

const keyPair = {
  message: 'accesskey and secretkey go together: set both, or neither to use the AWS default credential chain',
};

/** `storage.s3`: registry:2 2.8's keys and v3's (forcepathstyle, usedualstack, accelerate, loglevel). */
export const s3Section = section({
  accesskey: text().optional(),
  secretkey: text().optional(),
  region: text(),
  regionendpoint: text().optional(),
  forcepathstyle: bool().optional(),
  bucket: text(),
  encrypt: bool().default(false),
  keyid: text().optional(),
  secure: bool().default(true),
  skipverify: bool().default(false),
  v4auth: bool()
    .default(true)
    .refine((v) => v, 'signature version 2 is not supported: remove v4auth (every current S3-compatible store accepts v4 signatures)'),
  chunksize: byteCount(MIN_CHUNK, MAX_CHUNK).default(2 * MIN_CHUNK),
  multipartcopychunksize: byteCount(MIN_CHUNK, MAX_CHUNK).default(32 * MiB),
  multipartcopymaxconcurrency: byteCount(1, Number.MAX_SAFE_INTEGER).default(100),
  multipartcopythresholdsize: byteCount(0, MAX_CHUNK).default(32 * MiB),
  rootdirectory: text().default(''),
  storageclass: z
    .preprocess((v) => (v instanceof RawScalar ? v.source : v), z.string())
    .transform((v) => v.toUpperCase())
    .pipe(z.enum(STORAGE_CLASSES))
    .default('STANDARD'),
  useragent: text().optional(),
  objectacl: z.preprocess((v) => (v instanceof RawScalar ? v.source : v), z.enum(OBJECT_ACLS)).default('private'),
  usedualstack: bool().default(false),
  accelerate: bool().default(false),
  loglevel: z
    .preprocess((v) => {
      const scalar = v instanceof RawScalar ? v.value : v;
      return scalar === false ? 'off' : typeof scalar === 'string' ? scalar.toLowerCase() : scalar;
    }, z.enum(LOG_LEVELS))
    .default('off'),
}).refine((s) => (s.accesskey === undefined) === (s.secretkey === undefined), keyPair);

/** `storage.oss` (Alibaba Cloud OSS), registry:2's keys; served through OSS's S3-compatible API. */
export const ossSection = section({
  accesskeyid: text(),
  accesskeysecret: text(),
  region: text(),
  endpoint: text().optional(),
  internal: bool().default(false),
  encrypt: bool().default(false),
  secure: bool().default(true),
  chunksize: byteCount(MIN_CHUNK, MAX_CHUNK).default(2 * MIN_CHUNK),
  rootdirectory: text().default(''),
  bucket: text(),
});

export function toS3Config(raw: z.output<typeof s3Section>): S3StorageConfig {
  return {
    bucket: raw.bucket,
    region: raw.region,
    ...(raw.regionendpoint === undefined ? {} : { endpoint: raw.regionendpoint }),
    // registry:2 2.8 always used path-style with a regionendpoint; v3 made it opt-in. A 2.8
    // config must keep working, so a regionendpoint means path-style unless it says otherwise.
    forcePathStyle: raw.forcepathstyle ?? raw.regionendpoint !== undefined,
    ...(raw.accesskey === undefined ? {} : { accessKey: raw.accesskey }),
    ...(raw.secretkey === undefined ? {} : { secretKey: raw.secretkey }),
    secure: raw.secure,
    skipVerify: raw.skipverify,
    encrypt: raw.encrypt,
    ...(raw.keyid === undefined ? {} : { keyId: raw.keyid }),
    chunkSize: raw.chunksize,
    multipartCopyChunkSize: raw.multipartcopychunksize,
    multipartCopyMaxConcurrency: raw.multipartcopymaxconcurrency,
    multipartCopyThresholdSize: raw.multipartcopythresholdsize,
    rootDirectory: raw.rootdirectory,
    ...(raw.storageclass === 'NONE' ? {} : { storageClass: raw.storageclass }),
    ...(raw.useragent === undefined ? {} : { userAgent: raw.useragent }),
    objectAcl: raw.objectacl,
    useDualStack: raw.usedualstack,
    accelerate: raw.accelerate,
    logLevel: raw.loglevel === 'off' ? 'off' : 'debug',
  };
}

/**
 * registry:2's OSS keys onto OSS's S3-compatible API: `region: oss-cn-hangzhou` is the endpoint
 * `s3.oss-cn-hangzhou[-internal].aliyuncs.com`, signed for region `cn-hangzhou`, bucket in the
 * host name (OSS refuses path-style requests). An `endpoint` replaces that host; one written as
 * an IP address or with a port cannot carry a bucket name, so it is addressed path-style.
 * OSS has its own ACL and storage-class names, so neither is sent.
 */
export function ossToS3Config(raw: z.output<typeof ossSection>): S3StorageConfig {
  const regionId = raw.region.replace(/^oss-/, '');
  const endpoint = raw.endpoint ?? `s3.oss-${regionId}${raw.internal ? '-internal' : ''}.aliyuncs.com`;
  const host = endpoint.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  const pathStyle = /:\d+$/.test(host) || /^\d+(\.\d+){3}$/.test(host) || host.startsWith('[');
  return {
    bucket: raw.bucket,
    region: regionId,
    endpoint,
    forcePathStyle: pathStyle,
    accessKey: raw.accesskeyid,
    secretKey: raw.accesskeysecret,
    secure: raw.secure,
    skipVerify: false,
    encrypt: raw.encrypt,
    chunkSize: raw.chunksize,
    multipartCopyChunkSize: 32 * MiB,
    multipartCopyMaxConcurrency: 100,
    multipartCopyThresholdSize: 32 * MiB,
    rootDirectory: raw.rootdirectory,
    useDualStack: false,
    accelerate: false,
    logLevel: 'off',
  };
}
