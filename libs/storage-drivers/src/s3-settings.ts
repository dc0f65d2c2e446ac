import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { S3StorageConfig } from '@wharf/config';

/** S3's smallest part other than the last one. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;

/**
 * An S3 bucket as the s3 driver uses it: libs/config's S3StorageConfig, which `storage.s3` and
 * `storage.oss` are both mapped onto (the fields are documented there).
 */
export type S3Settings = S3StorageConfig;

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
