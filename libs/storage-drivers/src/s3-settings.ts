import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** S3's smallest part other than the last one. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;

/**
 * An S3 bucket as the s3 driver uses it, in the driver's own terms (libs/config maps
 * registry:2's `storage.s3` and `storage.oss` keys onto it).
 */
export interface S3Settings {
  bucket: string;
  region: string;
  /** regionendpoint: an S3-compatible server; absent: AWS's endpoint for the region. */
  endpoint?: string;
  /** Path-style addressing (http://host/bucket/key) instead of a bucket host name. */
  forcePathStyle: boolean;
  /** Static keys; without them the AWS SDK's default credential chain applies. */
  accessKey?: string;
  secretKey?: string;
  sessionToken?: string;
  /** https (true) or http for an endpoint written without a scheme, and for AWS's own. */
  secure: boolean;
  /** Accept any TLS certificate from the endpoint. */
  skipVerify: boolean;
  /** Server-side encryption: AES256, or aws:kms with keyId. */
  encrypt: boolean;
  keyId?: string;
  /** Part size of uploads, >= 5 MiB: at most two parts of it are in memory per upload being written. */
  chunkSize: number;
  multipartCopyChunkSize: number;
  multipartCopyMaxConcurrency: number;
  /** Objects above this size are copied (moved) with parallel UploadPartCopy, smaller ones with CopyObject. */
  multipartCopyThresholdSize: number;
  /** Key prefix of everything the registry stores ("" for the bucket's top). */
  rootDirectory: string;
  /** Storage class of new objects; absent: the store's default (registry:2's "NONE"). */
  storageClass?: string;
  userAgent?: string;
  /** Canned ACL of new objects; absent: none sent (OSS's S3 API, for one, has its own ACL names). */
  objectAcl?: string;
  useDualStack: boolean;
  accelerate: boolean;
  /** SDK request logging, for debugging a store's answers. */
  logLevel: 'off' | 'debug';
}

/** The SDK client for the settings: keep-alive sockets, checksums only where S3 requires them. */
export function createS3Client(settings: S3Settings): S3Client {
  const sockets = { keepAlive: true, maxSockets: 256 };
  const config: S3ClientConfig = {
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    useDualstackEndpoint: settings.useDualStack,
    useAccelerateEndpoint: settings.accelerate,
    tls: settings.secure,
    // Since 2025 the SDK adds CRC32 checksums to every upload by default; S3-compatible stores
    // do not all accept them, and the registry verifies digests itself.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 10_000,
      httpAgent: new HttpAgent(sockets),
      httpsAgent: new HttpsAgent({ ...sockets, rejectUnauthorized: !settings.skipVerify }),
    }),
  };
  if (settings.endpoint !== undefined) config.endpoint = endpointUrl(settings.endpoint, settings.secure);
  if (settings.accessKey && settings.secretKey) {
    config.credentials = {
      accessKeyId: settings.accessKey,
      secretAccessKey: settings.secretKey,
      ...(settings.sessionToken ? { sessionToken: settings.sessionToken } : {}),
    };
  }
  if (settings.userAgent) config.customUserAgent = settings.userAgent;
  if (settings.logLevel === 'debug') config.logger = console;
  return new S3Client(config);
}

/** registry:2 accepts `regionendpoint: host:port`; `secure` then picks the scheme. */
function endpointUrl(endpoint: string, secure: boolean): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `${secure ? 'https' : 'http'}://${endpoint}`;
}
