import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, type _Object, type MultipartUpload } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  InvalidOffsetError,
  PathNotFoundError,
  type FileInfo,
  type RedirectOptions,
  type StorageDriver,
} from '@wharf/registry-core';
import { checkReadRange } from './read-range.js';
import { S3Bucket, type ObjectHead, type PartRecord } from './s3-bucket.js';
import { isS3InvalidRange, S3StorageError } from './s3-errors.js';
import { parsePieceKey, S3FileWriter, type PendingPiece, type S3WriteState } from './s3-file.writer.js';
import { S3Keys } from './s3-keys.js';
import { createS3Client, MIN_PART_SIZE, type S3Settings } from './s3-settings.js';

/**
 * Stores each driver path as one object in an S3 bucket (AWS S3 or any S3-compatible store:
 * MinIO, Ceph RGW, versitygw, Alibaba OSS), with registry:2's keys (see S3Keys), so
 * registry:2's S3 driver and this one share a bucket.
 *
 * Directories do not exist in S3: one is there while a key lies below it. Unfinished writes
 * are multipart uploads plus pending pieces (see S3FileWriter); `purgePendingWrites` aborts
 * the multipart uploads nobody will finish, including those registry:2 leaves behind.
 */
export class S3Driver implements StorageDriver {
  readonly name = 's3';
  private readonly bucket: S3Bucket;
  private readonly keys: S3Keys;

  constructor(private readonly settings: S3Settings) {
    this.bucket = new S3Bucket(createS3Client(settings), settings);
    this.keys = new S3Keys(settings.rootDirectory);
  }

  async getContent(path: string): Promise<Buffer> {
    const found = await this.bucket.getBytes(this.keys.key(path));
    if (!found) throw new PathNotFoundError(path);
    return found.bytes;
  }

  async putContent(path: string, content: Buffer | string): Promise<void> {
    await this.bucket.put(this.keys.key(path), Buffer.from(content));
  }

  /** One ranged GET; S3 refuses a range starting at the end, which is the empty read when the offset is the size. */
  async reader(path: string, offset = 0, end?: number): Promise<Readable> {
    const key = this.keys.key(path);
    checkReadRange(path, offset, end);
    if (end !== undefined && end < offset) {
      if (offset > (await this.statFile(path)).size) throw new InvalidOffsetError(path, offset);
      return Readable.from([]);
    }
    try {
      const found = await this.bucket.get(key, offset === 0 && end === undefined ? undefined : { start: offset, ...(end === undefined ? {} : { end }) });
      if (!found) throw new PathNotFoundError(path);
      return found.body;
    } catch (err) {
      if (!(err instanceof S3StorageError) || !isS3InvalidRange(err.cause)) throw err;
    }
    const info = await this.statFile(path);
    if (offset > info.size) throw new InvalidOffsetError(path, offset);
    return Readable.from([]);
  }

  async writer(path: string, append: boolean): Promise<S3FileWriter> {
    const key = this.keys.key(path);
    const state = append ? await this.resumeState(key) : await this.freshState(key);
    return new S3FileWriter(this.bucket, key, this.settings.chunkSize, state);
  }

  /** A HEAD for a file; a one-key listing for a directory. `stat('/')` probes the bucket. */
  async stat(path: string): Promise<FileInfo> {
    if (path !== '/') {
      const head = await this.bucket.head(this.keys.key(path));
      if (head) return fileInfo(path, head);
    }
    for await (const page of this.bucket.list(this.keys.dirPrefix(path), { maxKeys: 1 })) {
      if (page.objects.length > 0 || path === '/') return { path, size: 0, modTime: new Date(0), isDir: true, version: '' };
      break;
    }
    throw new PathNotFoundError(path);
  }

  async list(path: string): Promise<string[]> {
    const prefix = this.keys.dirPrefix(path);
    const children: string[] = [];
    for await (const page of this.bucket.list(prefix, { delimiter: '/' })) {
      for (const object of page.objects) if (object.Key && !this.keys.isHidden(object.Key)) children.push(this.keys.pathOf(object.Key));
      for (const common of page.prefixes) if (common.Prefix) children.push(this.keys.pathOf(common.Prefix.slice(0, -1)));
    }
    if (children.length === 0 && path !== '/') throw new PathNotFoundError(path);
    return children;
  }

  /** One flat listing: a request per 1,000 keys, whatever the depth. */
  async *walk(path: string): AsyncIterable<FileInfo> {
    for await (const page of this.bucket.list(this.keys.dirPrefix(path))) {
      for (const object of page.objects) {
        if (!object.Key || this.keys.isHidden(object.Key)) continue;
        yield fileInfo(this.keys.pathOf(object.Key), {
          size: Number(object.Size ?? 0),
          modTime: object.LastModified ?? new Date(0),
          etag: object.ETag ?? '',
        });
      }
    }
  }

  /** A server-side copy (in parallel parts above the threshold), then the source goes. */
  async move(source: string, dest: string): Promise<void> {
    const from = this.keys.key(source);
    const to = this.keys.key(dest);
    const head = await this.bucket.head(from);
    if (!head) throw new PathNotFoundError(source);
    if (from === to) return;
    if (head.size <= this.settings.multipartCopyThresholdSize) await this.bucket.copyObject(from, to);
    else await this.multipartCopy(from, to, head.size);
    await this.bucket.deleteObject(from);
  }

  /** The file at the key, or every key below it ("a" never takes "ab" with it). */
  async delete(path: string): Promise<void> {
    const key = this.keys.key(path);
    const below = async (): Promise<string[]> => {
      const keys: string[] = [];
      for await (const page of this.bucket.list(`${key}/`)) for (const object of page.objects) if (object.Key) keys.push(object.Key);
      return keys;
    };
    const [file, children] = await Promise.all([this.bucket.head(key), below()]);
    const doomed = file ? [key, ...children] : children;
    if (doomed.length === 0) throw new PathNotFoundError(path);
    await this.bucket.deleteObjects(doomed);
  }

  async redirectURL(path: string, options: RedirectOptions): Promise<string | undefined> {
    const input = { Bucket: this.bucket.name, Key: this.keys.key(path) };
    const command = options.method === 'HEAD' ? new HeadObjectCommand(input) : new GetObjectCommand(input);
    return getSignedUrl(this.bucket.client, command, { expiresIn: Math.max(1, Math.floor(options.expiresInMs / 1000)) });
  }

  async purgePendingWrites(path: string, startedBefore: Date): Promise<string[]> {
    const aborted: string[] = [];
    for await (const upload of this.bucket.uploads(this.keys.dirPrefix(path))) {
      if (!upload.Key || !upload.UploadId || !upload.Initiated || upload.Initiated >= startedBefore) continue;
      await this.bucket.abortUpload(upload.Key, upload.UploadId);
      aborted.push(this.keys.pathOf(upload.Key));
    }
    return aborted;
  }

  async close(): Promise<void> {
    this.bucket.client.destroy();
  }

  private async statFile(path: string): Promise<FileInfo> {
    const head = await this.bucket.head(this.keys.key(path));
    if (!head) throw new PathNotFoundError(path);
    return fileInfo(path, head);
  }

  /**
   * A write without append starts empty: what earlier writers left pending goes, while the
   * first bytes arrive (a fresh upload has nothing to clean, and should not wait for finding so).
   */
  private async freshState(key: string): Promise<S3WriteState> {
    const settling = (async () => {
      const [uploads, pieces] = await Promise.all([this.bucket.uploadsOf(key), this.pieceObjects(key)]);
      await Promise.all([
        ...uploads.map((u) => this.bucket.abortUpload(key, u.UploadId!)),
        pieces.length > 0 ? this.bucket.deleteObjects(pieces.map((p) => p.Key!)) : Promise.resolve(),
      ]);
    })();
    return { parts: [], pieces: [], head: Buffer.alloc(0), stale: [], modTime: undefined, settling };
  }

  /**
   * Where earlier writers of the key left off: the newest multipart upload's parts, then the
   * pending pieces that follow its last part, byte for byte. With neither, a committed file is
   * continued. registry:2 leaves its last part below 5 MiB (it cannot be followed by another
   * part); such an upload is completed first and continued as a committed file.
   */
  private async resumeState(key: string): Promise<S3WriteState> {
    // asked together: the committed file is needed only when nothing is pending, but asking later costs a round trip
    const [uploads, pieceObjects, committed] = await Promise.all([this.bucket.uploadsOf(key), this.pieceObjects(key), this.bucket.head(key)]);
    const upload = newest(uploads);
    const parts: PartRecord[] = upload ? await this.bucket.parts(key, upload.UploadId!) : [];
    const lastPart = parts[parts.length - 1];
    const allPieces = pieceObjects.map((o) => o.Key!);
    if (upload && lastPart && lastPart.Size < MIN_PART_SIZE) {
      await this.bucket.completeUpload(key, upload.UploadId!, parts);
      return this.continueCommitted(key, await this.bucket.head(key), allPieces);
    }
    // the pieces that continue the parts without a gap; any other is a leftover
    const pieces: PendingPiece[] = [];
    let next = parts.reduce((sum, p) => sum + p.Size, 0);
    const candidates = pieceObjects
      .map((o) => ({ object: o, at: parsePieceKey(key, o.Key!) }))
      .filter((c) => c.at?.afterPart === (lastPart?.PartNumber ?? 0))
      .sort((x, y) => x.at!.offset - y.at!.offset);
    for (const { object, at } of candidates) {
      if (at!.offset !== next) break;
      pieces.push({ key: object.Key!, size: Number(object.Size ?? 0) });
      next += Number(object.Size ?? 0);
    }
    if (!upload && pieces.length === 0) return this.continueCommitted(key, committed, allPieces);
    const counted = new Set(pieces.map((p) => p.key));
    const times = [...parts.map((p) => p.LastModified), ...pieceObjects.filter((o) => counted.has(o.Key!)).map((o) => o.LastModified), upload?.Initiated];
    return {
      ...(upload ? { uploadId: upload.UploadId! } : {}),
      parts,
      pieces,
      head: Buffer.alloc(0),
      stale: allPieces.filter((k) => !counted.has(k)),
      modTime: latest(times),
    };
  }

  private async pieceObjects(key: string): Promise<_Object[]> {
    const found: _Object[] = [];
    for await (const page of this.bucket.list(this.keys.pendingPrefix(key))) found.push(...page.objects.filter((o) => o.Key));
    return found;
  }

  /** Appending to a committed file: a small one is read back into memory, a large one copied as part 1. */
  private async continueCommitted(key: string, head: ObjectHead | undefined, stale: string[]): Promise<S3WriteState> {
    const none = { pieces: [], stale, modTime: head?.modTime };
    if (!head || head.size === 0) return { ...none, parts: [], head: Buffer.alloc(0) };
    if (head.size < MIN_PART_SIZE) {
      const found = await this.bucket.getBytes(key);
      return { ...none, parts: [], head: found?.bytes ?? Buffer.alloc(0) };
    }
    const uploadId = await this.bucket.createUpload(key);
    const part = await this.bucket.copyPart(key, uploadId, 1, key, 0, head.size - 1);
    return { ...none, uploadId, parts: [part], head: Buffer.alloc(0) };
  }

  /** registry:2's multipart copy: `multipartcopychunksize` parts, `multipartcopymaxconcurrency` at a time. */
  private async multipartCopy(from: string, to: string, size: number): Promise<void> {
    const chunk = this.settings.multipartCopyChunkSize;
    const count = Math.ceil(size / chunk);
    const uploadId = await this.bucket.createUpload(to);
    const parts = new Array<PartRecord>(count);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        const i = next++;
        const start = i * chunk;
        parts[i] = await this.bucket.copyPart(to, uploadId, i + 1, from, start, Math.min(start + chunk, size) - 1);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(this.settings.multipartCopyMaxConcurrency, count) }, worker));
      await this.bucket.completeUpload(to, uploadId, parts);
    } catch (err) {
      await this.bucket.abortUpload(to, uploadId).catch(() => undefined);
      throw err;
    }
  }
}

function fileInfo(path: string, head: ObjectHead): FileInfo {
  return { path, size: head.size, modTime: head.modTime, isDir: false, version: `${head.etag}:${head.size}` };
}

function newest(uploads: MultipartUpload[]): MultipartUpload | undefined {
  return uploads.reduce<MultipartUpload | undefined>(
    (best, u) => (best === undefined || (u.Initiated?.getTime() ?? 0) > (best.Initiated?.getTime() ?? 0) ? u : best),
    undefined,
  );
}

function latest(times: (Date | undefined)[]): Date | undefined {
  let found: Date | undefined;
  for (const t of times) if (t && (!found || t > found)) found = t;
  return found;
}
