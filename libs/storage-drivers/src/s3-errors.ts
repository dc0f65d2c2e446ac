import { StorageDriverError } from '@wharf/registry-core';

interface SdkError {
  name?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** S3 answered that the key (or the multipart upload) does not exist. */
export function isS3NotFound(err: unknown): boolean {
  const e = err as SdkError | undefined;
  const name = e?.name ?? e?.Code;
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchUpload' || e?.$metadata?.httpStatusCode === 404;
}

export function isS3InvalidRange(err: unknown): boolean {
  const e = err as SdkError | undefined;
  return e?.name === 'InvalidRange' || e?.$metadata?.httpStatusCode === 416;
}

/** The store refused who we are, or the bucket is not there: a configuration problem, not an outage. */
export function isS3ConfigurationError(err: unknown): boolean {
  const name = err instanceof S3StorageError ? err.code : (err as SdkError | undefined)?.name;
  return (
    name === 'InvalidAccessKeyId' ||
    name === 'SignatureDoesNotMatch' ||
    name === 'AccessDenied' ||
    name === 'NoSuchBucket' ||
    name === 'CredentialsProviderError' ||
    name === 'InvalidClientTokenId' ||
    name === 'ExpiredToken'
  );
}

/**
 * A failed S3 call, named for whoever reads the log or the health report: the operation,
 * the key, the store's error code and message (credentials never appear in SDK errors).
 */
export class S3StorageError extends StorageDriverError {
  readonly code: string;

  constructor(operation: string, path: string, cause: unknown) {
    const e = cause as SdkError | undefined;
    const code = e?.name ?? 'Error';
    const status = e?.$metadata?.httpStatusCode;
    super(`s3 ${operation} ${path}: ${code}${status ? ` (HTTP ${status})` : ''}: ${e?.message ?? String(cause)}`, path);
    this.code = code;
    this.cause = cause;
  }
}
