import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type _Object,
  type CommonPrefix,
  type MultipartUpload,
  type ObjectCannedACL,
  type Part,
  type S3Client,
  type ServerSideEncryption,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { isS3NotFound, S3StorageError } from './s3-errors.js';
import type { S3Settings } from './s3-settings.js';

/** What S3 says about an object; undefined fields are ones the store left out. */
export interface ObjectHead {
  size: number;
  modTime: Date;
  etag: string;
  /** User metadata (`x-amz-meta-*`), lower-case names. */
  metadata?: Record<string, string> | undefined;
}

export interface PartRecord {
  PartNumber: number;
  ETag: string;
  Size: number;
  LastModified?: Date | undefined;
}

const DELETE_BATCH = 1000;

/**
 * The S3 calls the driver and its writers make, on one bucket, with the object settings
 * registry:2 sends on every write (content type, canned ACL, encryption, storage class).
 * Every failure comes out as an S3StorageError naming the call and the key; "not found"
 * answers come out as `undefined` where the caller asks for them.
 */
export class S3Bucket {
  private readonly writeParams: {
    ContentType: string;
    ACL?: ObjectCannedACL;
    ServerSideEncryption?: ServerSideEncryption;
    SSEKMSKeyId?: string;
    StorageClass?: StorageClass;
  };

  constructor(
    readonly client: S3Client,
    private readonly settings: S3Settings,
  ) {
    this.writeParams = { ContentType: 'application/octet-stream' };
    if (settings.objectAcl) this.writeParams.ACL = settings.objectAcl as ObjectCannedACL;
    if (settings.encrypt) {
      this.writeParams.ServerSideEncryption = settings.keyId ? 'aws:kms' : 'AES256';
      if (settings.keyId) this.writeParams.SSEKMSKeyId = settings.keyId;
    }
    if (settings.storageClass) this.writeParams.StorageClass = settings.storageClass as StorageClass;
  }

  get name(): string {
    return this.settings.bucket;
  }

  async put(key: string, body: Buffer, metadata?: Record<string, string>): Promise<void> {
    await this.call('PutObject', key, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.name,
          Key: key,
          Body: body,
          ContentLength: body.length,
          ...this.writeParams,
          ...(metadata ? { Metadata: metadata } : {}),
        }),
      ),
    );
  }

  /** The object's bytes [start, end] (whole without a range) with its head; undefined when there is none. */
  async get(key: string, range?: { start: number; end?: number }): Promise<{ body: Readable; head: ObjectHead } | undefined> {
    const out = await this.call('GetObject', key, () =>
      this.client.send(
        new GetObjectCommand({ Bucket: this.name, Key: key, ...(range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {}) }),
      ),
      true,
    );
    if (!out) return undefined;
    const size = range ? Number(/\/(\d+)$/.exec(out.ContentRange ?? '')?.[1] ?? NaN) : Number(out.ContentLength ?? NaN);
    return { body: out.Body as Readable, head: { size, modTime: out.LastModified ?? new Date(0), etag: out.ETag ?? '', metadata: out.Metadata } };
  }

  async getBytes(key: string): Promise<{ bytes: Buffer; head: ObjectHead } | undefined> {
    const out = await this.get(key);
    if (!out) return undefined;
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of out.body) chunks.push(chunk as Buffer);
    } catch (err) {
      throw new S3StorageError('GetObject', key, err);
    }
    return { bytes: Buffer.concat(chunks), head: out.head };
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    const out = await this.call('HeadObject', key, () => this.client.send(new HeadObjectCommand({ Bucket: this.name, Key: key })), true);
    if (!out) return undefined;
    return { size: Number(out.ContentLength ?? 0), modTime: out.LastModified ?? new Date(0), etag: out.ETag ?? '' };
  }

  /** Deletes one object; deleting a missing one is not an error (S3's own rule). */
  async deleteObject(key: string): Promise<void> {
    await this.call('DeleteObject', key, () => this.client.send(new DeleteObjectCommand({ Bucket: this.name, Key: key })));
  }

  async deleteObjects(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const out = await this.call('DeleteObjects', batch[0]!, () =>
        this.client.send(new DeleteObjectsCommand({ Bucket: this.name, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } })),
      );
      const failed = out?.Errors?.[0];
      if (failed) throw new S3StorageError('DeleteObjects', failed.Key ?? batch[0]!, { name: failed.Code, message: failed.Message });
    }
  }

  /** Every page of a listing: objects (and, with a delimiter, common prefixes). */
  async *list(prefix: string, options: { delimiter?: string; startAfter?: string; maxKeys?: number } = {}): AsyncGenerator<{
    objects: _Object[];
    prefixes: CommonPrefix[];
  }> {
    let token: string | undefined;
    do {
      const out = await this.call('ListObjectsV2', prefix, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.name,
            Prefix: prefix,
            MaxKeys: options.maxKeys ?? 1000,
            ...(options.delimiter ? { Delimiter: options.delimiter } : {}),
            ...(options.startAfter && !token ? { StartAfter: options.startAfter } : {}),
            ...(token ? { ContinuationToken: token } : {}),
          }),
        ),
      );
      yield { objects: out?.Contents ?? [], prefixes: out?.CommonPrefixes ?? [] };
      token = out?.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }

  /** Multipart uploads in progress whose key starts with `prefix`. */
  async *uploads(prefix: string): AsyncGenerator<MultipartUpload> {
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const out = await this.call('ListMultipartUploads', prefix, () =>
        this.client.send(
          new ListMultipartUploadsCommand({
            Bucket: this.name,
            Prefix: prefix,
            ...(keyMarker ? { KeyMarker: keyMarker } : {}),
            ...(uploadIdMarker ? { UploadIdMarker: uploadIdMarker } : {}),
          }),
        ),
      );
      for (const upload of out?.Uploads ?? []) yield upload;
      if (!out?.IsTruncated) return;
      keyMarker = out.NextKeyMarker;
      uploadIdMarker = out.NextUploadIdMarker;
      if (!keyMarker && !uploadIdMarker) return;
    }
  }

  /** Multipart uploads in progress for exactly `key`. */
  async uploadsOf(key: string): Promise<MultipartUpload[]> {
    const found: MultipartUpload[] = [];
    for await (const upload of this.uploads(key)) if (upload.Key === key && upload.UploadId) found.push(upload);
    return found;
  }

  async parts(key: string, uploadId: string): Promise<PartRecord[]> {
    const parts: PartRecord[] = [];
    let marker: string | undefined;
    for (;;) {
      const out = await this.call('ListParts', key, () =>
        this.client.send(new ListPartsCommand({ Bucket: this.name, Key: key, UploadId: uploadId, ...(marker ? { PartNumberMarker: marker } : {}) })),
      );
      for (const p of out?.Parts ?? []) parts.push(partRecord(p));
      if (!out?.IsTruncated || !out.NextPartNumberMarker) return parts.sort((a, b) => a.PartNumber - b.PartNumber);
      marker = out.NextPartNumberMarker;
    }
  }

  async createUpload(key: string): Promise<string> {
    const out = await this.call('CreateMultipartUpload', key, () =>
      this.client.send(new CreateMultipartUploadCommand({ Bucket: this.name, Key: key, ...this.writeParams })),
    );
    if (!out?.UploadId) throw new S3StorageError('CreateMultipartUpload', key, new Error('no UploadId in the answer'));
    return out.UploadId;
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, body: Buffer): Promise<PartRecord> {
    const out = await this.call('UploadPart', key, () =>
      this.client.send(
        new UploadPartCommand({ Bucket: this.name, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length }),
      ),
    );
    return { PartNumber: partNumber, ETag: out?.ETag ?? '', Size: body.length };
  }

  /** Copies bytes [start, end] of `sourceKey` into a part. */
  async copyPart(key: string, uploadId: string, partNumber: number, sourceKey: string, start: number, end: number): Promise<PartRecord> {
    const out = await this.call('UploadPartCopy', key, () =>
      this.client.send(
        new UploadPartCopyCommand({
          Bucket: this.name,
          Key: key,
          UploadId: uploadId,
          PartNumber: partNumber,
          CopySource: `${this.name}/${sourceKey}`,
          CopySourceRange: `bytes=${start}-${end}`,
        }),
      ),
    );
    return { PartNumber: partNumber, ETag: out?.CopyPartResult?.ETag ?? '', Size: end - start + 1 };
  }

  async completeUpload(key: string, uploadId: string, parts: readonly PartRecord[]): Promise<void> {
    await this.call('CompleteMultipartUpload', key, () =>
      this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.name,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map(({ PartNumber, ETag }) => ({ PartNumber, ETag })) },
        }),
      ),
    );
  }

  /** Aborts an upload; one already gone is not an error. */
  async abortUpload(key: string, uploadId: string): Promise<void> {
    await this.call('AbortMultipartUpload', key, () => this.client.send(new AbortMultipartUploadCommand({ Bucket: this.name, Key: key, UploadId: uploadId })), true);
  }

  async copyObject(sourceKey: string, key: string): Promise<void> {
    await this.call('CopyObject', key, () =>
      this.client.send(
        new CopyObjectCommand({ Bucket: this.name, Key: key, CopySource: `${this.name}/${sourceKey}`, MetadataDirective: 'REPLACE', ...this.writeParams }),
      ),
    );
  }

  /** Runs one call; with `missingIsUndefined`, a 404 answer is `undefined` instead of an error. */
  private async call<T>(operation: string, key: string, send: () => Promise<T>, missingIsUndefined = false): Promise<T | undefined> {
    try {
      return await send();
    } catch (err) {
      if (missingIsUndefined && isS3NotFound(err)) return undefined;
      throw new S3StorageError(operation, key, err);
    }
  }
}

function partRecord(p: Part): PartRecord {
  return { PartNumber: p.PartNumber ?? 0, ETag: p.ETag ?? '', Size: Number(p.Size ?? 0), LastModified: p.LastModified };
}
