import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RegistryError } from '../errors/registry-error.js';
import { createDigester, digestOf, type Digest } from '../digest.js';
import { paths } from '../storage/paths.js';
import { isPathNotFound, type FileWriter, type StorageDriver } from '../storage/storage-driver.js';
import type { BlobInfo, BlobService } from './blob.service.js';
import { HashingTap } from './hashing-tap.js';
import { UploadHashes } from './upload-hashes.js';
import type { WriteGuard } from './write-guard.js';
import type { EventContext } from '../events/event-context.js';
import type { RegistryEvents } from '../events/registry-events.js';

export interface UploadStatus {
  id: string;
  /** Bytes received so far; the next chunk must start here. */
  offset: number;
}

/** Where a chunk claims to go (`Content-Range: start-end`, inclusive) and how long it says it is. */
export interface ChunkClaims {
  range?: { start: number; end: number };
  contentLength?: number;
}

const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface UploadServiceOptions {
  /** An upload whose data file has not grown (or been created) for this long is gone; 0: never. */
  expiryMs: number;
  /** The clock, in ms since the epoch; replaceable in tests. */
  now?: () => number;
}

/**
 * Blob uploads. All state lives in the storage driver (`_uploads/<id>/data`: the
 * offset is its size), so a restarted registry or another replica resumes any
 * upload. A blob becomes visible only by an atomic move after its digest is
 * verified and its bytes are durable.
 */
export class UploadService {
  constructor(
    private readonly driver: StorageDriver,
    private readonly blobs: BlobService,
    private readonly guard: WriteGuard,
    private readonly events: RegistryEvents,
    private readonly options: UploadServiceOptions = { expiryMs: 0 },
    private readonly hashes = new UploadHashes(),
  ) {}

  async start(name: string): Promise<UploadStatus> {
    this.guard.assertWritable();
    const id = randomUUID();
    // Neither file needs to survive a power cut: a lost upload is restarted by the client,
    // and the purger dates an upload by its data file when startedat is missing.
    const startedAt = await this.driver.writer(paths.uploadStartedAt(name, id), false);
    startedAt.stream.end(new Date().toISOString());
    await startedAt.close();
    const writer = await this.driver.writer(paths.uploadData(name, id), false);
    await writer.close();
    return { id, offset: 0 };
  }

  async status(name: string, id: string): Promise<UploadStatus> {
    return { id, offset: await this.offsetOf(name, id) };
  }

  /** Appends one chunk (PATCH). A chunk that does not start at the current offset is refused with 416. */
  async append(name: string, id: string, body: Readable, claims: ChunkClaims = {}): Promise<UploadStatus> {
    this.guard.assertWritable();
    const offset = await this.offsetOf(name, id);
    checkClaims(offset, claims);
    const written = await this.write(name, id, offset, body);
    if (claims.range && written !== claims.range.end - claims.range.start + 1) {
      throw new RegistryError('BLOB_UPLOAD_INVALID', 'chunk length does not match Content-Range', {
        status: 416,
        headers: rangeHeader(offset + written),
      });
    }
    return { id, offset: offset + written };
  }

  /** Finishes an upload (PUT), with an optional last chunk, and verifies the digest. */
  async complete(name: string, id: string, digest: Digest, body?: Readable, claims: ChunkClaims = {}, ctx?: EventContext): Promise<BlobInfo> {
    this.guard.assertWritable();
    let size = await this.offsetOf(name, id);
    // Durable before visible: the whole file is fsynced (with the last chunk, or on its own) before the move.
    if (body) {
      checkClaims(size, claims);
      size += await this.write(name, id, size, body, 'commit');
    } else {
      await (await this.driver.writer(paths.uploadData(name, id), true)).commit();
    }
    const actual = this.hashes.finish(id, size, digest.algorithm) ?? (await this.rehash(name, id, digest));
    if (actual.value !== digest.value) {
      await this.discard(name, id);
      throw new RegistryError('DIGEST_INVALID', { expected: digest.value, actual: actual.value });
    }
    return this.promote(name, id, digest, size, ctx);
  }

  /** A whole blob in one request (POST ?digest= or PUT on a fresh upload): hashed as it streams. */
  async monolithic(name: string, digest: Digest, body: Readable, ctx?: EventContext): Promise<BlobInfo> {
    this.guard.assertWritable();
    const id = randomUUID();
    const hash = createDigester(digest.algorithm);
    const tap = new HashingTap(hash);
    let writer: FileWriter | undefined;
    try {
      writer = await this.driver.writer(paths.uploadData(name, id), false);
      await pipeline(body, tap, writer.stream);
      const actual = digestOf(digest.algorithm, hash);
      if (actual.value !== digest.value) {
        throw new RegistryError('DIGEST_INVALID', { expected: digest.value, actual: actual.value });
      }
      await writer.commit();
      writer = undefined;
    } catch (err) {
      await writer?.cancel().catch(() => undefined);
      await this.discard(name, id);
      throw err;
    }
    return this.promote(name, id, digest, tap.bytes, ctx);
  }

  async cancel(name: string, id: string): Promise<void> {
    this.guard.assertWritable();
    await this.offsetOf(name, id);
    await this.discard(name, id);
  }

  /** Appends a chunk; `commit` also makes the whole file durable (the last chunk of an upload). */
  private async write(name: string, id: string, offset: number, body: Readable, end: 'close' | 'commit' = 'close'): Promise<number> {
    const tap = new HashingTap(this.hashes.resume(id, offset));
    const writer = await this.driver.writer(paths.uploadData(name, id), true);
    try {
      await pipeline(body, tap, writer.stream);
    } catch (err) {
      // What arrived stays (the client may resume from the new offset); the running hash may not match it.
      this.hashes.forget(id);
      await writer.close().catch(() => undefined);
      throw err;
    }
    await (end === 'commit' ? writer.commit() : writer.close());
    this.hashes.advance(id, offset + tap.bytes);
    return tap.bytes;
  }

  private async rehash(name: string, id: string, digest: Digest): Promise<Digest> {
    const hash = createDigester(digest.algorithm);
    const stream = await this.driver.reader(paths.uploadData(name, id));
    for await (const chunk of stream) hash.update(chunk as Buffer);
    return digestOf(digest.algorithm, hash);
  }

  private async promote(name: string, id: string, digest: Digest, size: number, ctx: EventContext | undefined): Promise<BlobInfo> {
    // Identical content may already be there (another client pushed the same layer): the move
    // replaces it atomically with the same bytes, so there is still one copy and readers never miss it.
    await this.driver.move(paths.uploadData(name, id), paths.blobData(digest));
    await Promise.all([this.blobs.link(name, digest), this.discard(name, id)]);
    if (ctx) await this.events.blobPushed(ctx, name, digest, size);
    return { digest, size };
  }

  /**
   * The upload's offset (its data file's size). An expired upload is removed here, at the first
   * request that finds it, so expiry holds between the purger's runs too.
   */
  private async offsetOf(name: string, id: string): Promise<number> {
    if (!UPLOAD_ID.test(id)) throw uploadUnknown(id);
    let info;
    try {
      info = await this.driver.stat(paths.uploadData(name, id));
    } catch (err) {
      if (isPathNotFound(err)) throw uploadUnknown(id);
      throw err;
    }
    const { expiryMs, now = Date.now } = this.options;
    if (expiryMs > 0 && now() - info.modTime.getTime() > expiryMs) {
      await this.discard(name, id);
      throw uploadUnknown(id);
    }
    return info.size;
  }

  private async discard(name: string, id: string): Promise<void> {
    this.hashes.forget(id);
    try {
      await this.driver.delete(paths.uploadDir(name, id));
    } catch (err) {
      if (!isPathNotFound(err)) throw err;
    }
  }
}

function checkClaims(offset: number, claims: ChunkClaims): void {
  const { range, contentLength } = claims;
  if (!range) return;
  const length = range.end - range.start + 1;
  if (range.start !== offset || length <= 0 || (contentLength !== undefined && contentLength !== length)) {
    throw new RegistryError('BLOB_UPLOAD_INVALID', { offset, requested: `${range.start}-${range.end}` }, {
      status: 416,
      message: 'chunk does not start at the upload offset',
      headers: rangeHeader(offset),
    });
  }
}

/** registry:2's `Range` for an upload of `size` bytes: `0-<last byte>`, and `0-0` when empty. */
export function rangeHeader(size: number): Record<string, string> {
  return { Range: `0-${Math.max(size - 1, 0)}` };
}

function uploadUnknown(id: string): RegistryError {
  return new RegistryError('BLOB_UPLOAD_UNKNOWN', { uuid: id.length > 80 ? `${id.slice(0, 80)}…` : id });
}
