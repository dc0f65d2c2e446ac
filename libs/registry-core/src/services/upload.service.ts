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
  /** An upload that has received no byte (or, with none yet, was started) this long ago is gone; 0: never. */
  expiryMs: number;
  /** The clock, in ms since the epoch; replaceable in tests. */
  now?: () => number;
}

/**
 * Blob uploads, with registry:2's state in storage: `_uploads/<id>/startedat` says that
 * an upload exists and when it began; its bytes go to `_uploads/<id>/data` through the
 * driver's writer, which alone knows how many have arrived (an object store keeps them out
 * of sight until commit, so `stat` cannot tell). A restarted registry or another replica
 * therefore resumes any upload. A blob becomes visible only by an atomic move after its
 * digest is verified and its bytes are durable.
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
    await this.driver.putContent(paths.uploadStartedAt(name, id), new Date(this.now()).toISOString());
    return { id, offset: 0 };
  }

  async status(name: string, id: string): Promise<UploadStatus> {
    const writer = await this.open(name, id);
    await writer.close();
    return { id, offset: writer.size() };
  }

  /** Appends one chunk (PATCH). A chunk that does not start at the current offset is refused with 416. */
  async append(name: string, id: string, body: Readable, claims: ChunkClaims = {}): Promise<UploadStatus> {
    this.guard.assertWritable();
    const writer = await this.open(name, id);
    const offset = writer.size();
    const written = await this.write(id, writer, body, claims, 'close');
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
    const writer = await this.open(name, id);
    // Durable and visible before it is hashed or moved: the commit takes the last chunk, if any, with it.
    if (body) await this.write(id, writer, body, claims, 'commit');
    else await writer.commit();
    const size = writer.size();
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
    await this.abandon(name, id, await this.open(name, id));
  }

  /**
   * Pipes one chunk into the upload's writer, which this call ends: `commit` for the last
   * chunk of an upload, `close` otherwise. Returns the bytes taken.
   */
  private async write(id: string, writer: FileWriter, body: Readable, claims: ChunkClaims, end: 'close' | 'commit'): Promise<number> {
    const offset = writer.size();
    try {
      checkClaims(offset, claims);
    } catch (err) {
      await writer.close();
      throw err;
    }
    const tap = new HashingTap(this.hashes.resume(id, offset));
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
   * The writer that continues an upload, after checking that the upload exists (its
   * `startedat`, as registry:2 checks) and has not expired. An expired upload is removed
   * here, at the first request that finds it, so expiry holds between the purger's runs too.
   */
  private async open(name: string, id: string): Promise<FileWriter> {
    if (!UPLOAD_ID.test(id)) throw uploadUnknown(id);
    let startedAt: number;
    try {
      startedAt = Date.parse((await this.driver.getContent(paths.uploadStartedAt(name, id))).toString('utf8').trim());
    } catch (err) {
      if (isPathNotFound(err)) throw uploadUnknown(id);
      throw err;
    }
    const writer = await this.driver.writer(paths.uploadData(name, id), true);
    const lastActive = writer.modTime?.getTime() ?? startedAt;
    if (this.options.expiryMs > 0 && this.now() - lastActive > this.options.expiryMs) {
      await this.abandon(name, id, writer);
      throw uploadUnknown(id);
    }
    return writer;
  }

  /** Drops an upload that will not complete: its pending bytes (only its writer can reach them), then its folder. */
  private async abandon(name: string, id: string, writer: FileWriter): Promise<void> {
    await writer.cancel();
    await this.discard(name, id);
  }

  private async discard(name: string, id: string): Promise<void> {
    this.hashes.forget(id);
    try {
      await this.driver.delete(paths.uploadDir(name, id));
    } catch (err) {
      if (!isPathNotFound(err)) throw err;
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
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
