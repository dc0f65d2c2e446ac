import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { FileWriter } from '@wharf/registry-core';
import type { PartRecord, S3Bucket } from './s3-bucket.js';
import { MIN_PART_SIZE } from './s3-settings.js';

/**
 * Metadata of a pending tail: the number of the part it follows. A tail whose number is not
 * the upload's last part is stale (a process stopped between sending the part that took its
 * bytes and deleting it) and is ignored, so no byte is ever counted twice.
 */
export const TAIL_AFTER_PART = 'after-part';

/** Where an earlier writer of the key left off, as found in the bucket. */
export interface S3WriteState {
  /** The multipart upload holding the parts written so far, if any. */
  uploadId?: string;
  parts: PartRecord[];
  /** Bytes after the last part (the pending tail object, or a small committed file): the next part starts with them. */
  tail: Buffer;
  /** A `<key>~pending` object exists and must go when the file is committed or cancelled. */
  tailStored: boolean;
  modTime: Date | undefined;
  /** Clean-up of what earlier writers left, still running: it must end before this writer starts an upload or ends. */
  settling?: Promise<void>;
}

/**
 * A file being written to S3 by S3Driver.
 *
 * Bytes are cut into parts of `chunkSize` and sent as parts of a multipart upload while
 * more arrive: at most one part is being filled and one is on its way, so an upload of any
 * size holds at most two parts in memory. `commit` completes the multipart upload (or, for
 * a file smaller than one part, PUTs it whole); until then nothing is visible at the key.
 *
 * `close` leaves the state in the bucket for the next `writer(path, true)`, in any process:
 * the parts of the multipart upload, plus the bytes after the last part. Those are usually
 * fewer than S3's 5 MiB minimum part, so they cannot be a part of their own; they are kept as
 * the `<key>~pending` object and become the start of the next part. A chunk of any size
 * therefore costs its own bytes plus at most one re-sent tail, where registry:2 completes the
 * upload and copies everything written so far into a new one.
 */
export class S3FileWriter implements FileWriter {
  readonly stream: Writable;
  readonly modTime: Date | undefined;
  private uploadId: string | undefined;
  private readonly parts: PartRecord[];
  private readonly initialSize: number;
  private taken = 0;
  private tailStored: boolean;
  /** The part being filled and how much of it is. */
  private buffer: Buffer;
  private filled: number;
  /** The part on its way, if any: the next full part waits for it. */
  private sending: Promise<void> = Promise.resolve();
  private sendError: unknown;
  private spare: Buffer | undefined;
  private ended = false;
  private readonly settling: Promise<void>;

  constructor(
    private readonly bucket: S3Bucket,
    private readonly key: string,
    private readonly pendingKey: string,
    private readonly chunkSize: number,
    state: S3WriteState,
  ) {
    this.uploadId = state.uploadId;
    this.parts = [...state.parts];
    this.tailStored = state.tailStored;
    this.modTime = state.modTime;
    this.settling = state.settling ?? Promise.resolve();
    // awaited where it matters; this only keeps an early failure from being reported as unhandled
    this.settling.catch(() => undefined);
    this.initialSize = this.parts.reduce((sum, p) => sum + p.Size, 0) + state.tail.length;
    this.buffer = Buffer.allocUnsafe(Math.max(chunkSize, state.tail.length));
    state.tail.copy(this.buffer);
    this.filled = state.tail.length;
    this.stream = new Writable({
      highWaterMark: 1024 * 1024,
      write: (chunk: Buffer, _encoding, callback) => {
        this.take(chunk).then(() => callback(), callback);
      },
      writev: (chunks, callback) => {
        (async () => {
          for (const { chunk } of chunks) await this.take(chunk as Buffer);
        })().then(() => callback(), callback);
      },
    });
  }

  size(): number {
    return this.initialSize + this.taken;
  }

  /** Sends what is buffered as the last part (or the whole object), then completes the upload. */
  async commit(): Promise<void> {
    this.markEnded();
    try {
      await this.flushStream();
      await this.settle();
      if (this.uploadId === undefined) {
        await this.bucket.put(this.key, this.buffer.subarray(0, this.filled));
      } else {
        if (this.filled > 0 || this.parts.length === 0) await this.sendPart(this.buffer.subarray(0, this.filled));
        await this.bucket.completeUpload(this.key, this.uploadId, this.parts);
      }
      if (this.tailStored) await this.bucket.deleteObject(this.pendingKey);
    } finally {
      this.release();
    }
  }

  /**
   * Keeps what was taken for a later append: a buffer of at least 5 MiB becomes a part, a
   * smaller one replaces the pending tail. A failed source stream is not an error here.
   */
  async close(): Promise<void> {
    this.markEnded();
    try {
      await this.flushStream().catch(() => undefined);
      await this.settle();
      if (this.taken === 0) return;
      if (this.filled >= MIN_PART_SIZE) {
        await this.sendPart(this.buffer.subarray(0, this.filled));
      } else if (this.filled > 0) {
        await this.bucket.put(this.pendingKey, this.buffer.subarray(0, this.filled), { [TAIL_AFTER_PART]: String(this.lastPartNumber()) });
      }
    } finally {
      this.release();
    }
  }

  /** Aborts the multipart upload and removes the tail and any committed file at the key. */
  async cancel(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      this.stream.destroy();
    }
    await this.sending.catch(() => undefined);
    await this.settling.catch(() => undefined);
    this.release();
    if (this.uploadId !== undefined) await this.bucket.abortUpload(this.key, this.uploadId);
    await this.bucket.deleteObjects([this.key, this.pendingKey]);
  }

  private async take(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(chunk.length - offset, this.buffer.length - this.filled);
      chunk.copy(this.buffer, this.filled, offset, offset + n);
      this.filled += n;
      this.taken += n;
      offset += n;
      if (this.filled === this.buffer.length) await this.startPart();
    }
  }

  /** Sends the full buffer in the background and fills a second one; waits while one is already on its way. */
  private async startPart(): Promise<void> {
    await this.settle();
    const full = this.buffer;
    this.buffer = this.spare ?? Buffer.allocUnsafe(this.chunkSize);
    this.spare = undefined;
    this.filled = 0;
    this.sending = this.sendPart(full).then(
      () => {
        if (full.length === this.chunkSize) this.spare = full;
      },
      (err: unknown) => {
        this.sendError = err;
      },
    );
  }

  /** Waits for the part on its way; rethrows its failure. */
  private async settle(): Promise<void> {
    await this.settling;
    await this.sending;
    if (this.sendError !== undefined) throw this.sendError;
  }

  /** Sends a part. The first one carries the old tail's bytes, so the tail object goes right after it. */
  private async sendPart(body: Buffer): Promise<void> {
    // the clean-up lists this key's multipart uploads and aborts them: ours must not exist yet
    await this.settling;
    this.uploadId ??= await this.bucket.createUpload(this.key);
    this.parts.push(await this.bucket.uploadPart(this.key, this.uploadId, this.lastPartNumber() + 1, body));
    if (this.tailStored) {
      await this.bucket.deleteObject(this.pendingKey);
      this.tailStored = false;
    }
  }

  private lastPartNumber(): number {
    return this.parts[this.parts.length - 1]?.PartNumber ?? 0;
  }

  private async flushStream(): Promise<void> {
    if (!this.stream.writableEnded && !this.stream.destroyed) this.stream.end();
    await finished(this.stream);
  }

  private markEnded(): void {
    if (this.ended) throw new Error(`writer for ${this.key} is already closed`);
    this.ended = true;
  }

  private release(): void {
    this.buffer = Buffer.alloc(0);
    this.spare = undefined;
    this.filled = 0;
  }
}
