import { randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import type { S3Settings } from './s3-settings.js';

/**
 * Test-only (exported through `test-servers`): a fresh bucket on the S3 server the tests use,
 * scripts/versitygw.sh's instance unless WHARF_S3_TEST_ENDPOINT / _ACCESS / _SECRET say otherwise.
 */
export const S3_TEST_SERVER = {
  endpoint: process.env['WHARF_S3_TEST_ENDPOINT'] ?? 'http://127.0.0.1:7070',
  accessKey: process.env['WHARF_S3_TEST_ACCESS'] ?? 'wharf-test-access',
  secretKey: process.env['WHARF_S3_TEST_SECRET'] ?? 'wharf-test-secret-key',
  region: 'us-east-1',
};

/** registry:2's defaults for everything but the server and the bucket. */
export function s3TestSettings(bucket: string, overrides: Partial<S3Settings> = {}): S3Settings {
  return {
    bucket,
    region: S3_TEST_SERVER.region,
    endpoint: S3_TEST_SERVER.endpoint,
    forcePathStyle: true,
    accessKey: S3_TEST_SERVER.accessKey,
    secretKey: S3_TEST_SERVER.secretKey,
    secure: false,
    skipVerify: false,
    encrypt: false,
    chunkSize: 10 * 1024 * 1024,
    multipartCopyChunkSize: 32 * 1024 * 1024,
    multipartCopyMaxConcurrency: 100,
    multipartCopyThresholdSize: 32 * 1024 * 1024,
    rootDirectory: '',
    useDualStack: false,
    accelerate: false,
    logLevel: 'off',
    ...overrides,
  };
}

export interface TestBucket {
  name: string;
  client: S3Client;
  /** Every key in the bucket, and the keys of unfinished multipart uploads. */
  contents(): Promise<{ keys: string[]; uploads: string[] }>;
  deleteKeys(keys: string[]): Promise<void>;
  /** Empties and removes the bucket. */
  remove(): Promise<void>;
}

export async function createTestBucket(label: string, endpoint = S3_TEST_SERVER.endpoint, region = S3_TEST_SERVER.region): Promise<TestBucket> {
  const name = `wharf-${label}-${randomBytes(4).toString('hex')}`;
  const client = new S3Client({
    region,
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: S3_TEST_SERVER.accessKey, secretAccessKey: S3_TEST_SERVER.secretKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: name }));
  } catch (err) {
    client.destroy();
    throw new Error(`cannot create a test bucket at ${endpoint} (is it running? bash scripts/versitygw.sh start): ${String(err)}`);
  }
  const contents = async () => {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const out = await client.send(new ListObjectsV2Command({ Bucket: name, ...(token ? { ContinuationToken: token } : {}) }));
      for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    const out = await client.send(new ListMultipartUploadsCommand({ Bucket: name }));
    return { keys: keys.sort(), uploads: (out.Uploads ?? []).map((u) => u.Key ?? '?').sort() };
  };
  const deleteKeys = async (keys: string[]) => {
    for (let i = 0; i < keys.length; i += 1000) {
      await client.send(new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })) } }));
    }
  };
  return {
    name,
    client,
    contents,
    deleteKeys,
    async remove() {
      try {
        const out = await client.send(new ListMultipartUploadsCommand({ Bucket: name }));
        for (const u of out.Uploads ?? []) await client.send(new AbortMultipartUploadCommand({ Bucket: name, Key: u.Key, UploadId: u.UploadId }));
        await deleteKeys((await contents()).keys);
        await client.send(new DeleteBucketCommand({ Bucket: name }));
      } finally {
        client.destroy();
      }
    },
  };
}
