import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { FileWriter } from '@wharf/registry-core';
import type { PartRecord, S3Bucket } from './s3-bucket.js';
import { MIN_PART_SIZE } from './s3-settings.js';

/** A pending piece: bytes after the last part, kept as an object of their own (see S3FileWriter). */
export interface PendingPiece {
  key: string;
  size: number;
}

/** Where an earlier writer of the key left off, as found in the bucket. */
export interface S3WriteState {
  /** The multipart upload holding the parts written so far, if any. */
  uploadId?: string;
  parts: PartRecord[];
  /** The pieces after the last part, in order: they start the next part. */
  pieces: PendingPiece[];
  /** Bytes the writer starts with in memory (a small committed file being appended to). */
  head: Buffer;
  /** Piece objects that no longer count (left by a writer that stopped half-way); removed when the file is committed or cancelled. */
  stale: string[];
  modTime: Date | undefined;
  /** Clean-up of what earlier writers left, still running: it must end before this writer starts an upload or ends. */
  settling?: Promise<void>;
}

/**
 * The key of a pending piece: `<key>~pending-<part it follows>-<offset of its first byte>`. The
 * part number makes pieces a writer already sent in a part recognisable as stale if it stopped
 * before deleting them, so no byte is ever counted twice; `~` never occurs in a driver path.
 */
export function pieceKey(key: string, afterPart: number, offset: number): string {
  return `${key}~pending-${afterPart}-${offset}`;
}

export function parsePieceKey(key: string, pieceKeyName: string): { afterPart: number; offset: number } | undefined {
  const match = /^(\d+)-(\d+)$/.exec(pieceKeyName.slice(`${key}~pending-`.length));
  return pieceKeyName.startsWith(`${key}~pending-`) && match ? { afterPart: Number(match[1]), offset: Number(match[2]) } : undefined;
}

/**
 * A file being written to S3 by S3Driver.
 *
 * Bytes are cut into parts of `chunkSize` and sent as parts of a multipart upload while more
 * arrive: at most one part is being filled and one is on its way, so an upload of any size
 * holds at most two parts in memory. `commit` completes the multipart upload (or, for a file
 * smaller than one part, PUTs it whole); until then nothing is visible at the key.
 *
 * `close` leaves the state in the bucket for the next `writer(path, true)`, in any process:
 * the parts of the multipart upload, and the bytes after the last part. Those are usually fewer
 * than S3's 5 MiB minimum part, so they cannot be a part of their own: each chunk's leftover is
 * stored as a piece object of its own, and once the pieces and new bytes reach 5 MiB they are
 * read back once and sent as one part. A chunk of any size therefore costs its own bytes, plus
 * reading its pieces back once; registry:2 instead completes the upload and copies everything
 * written so far into a new one on every small chunk.
 */
export class S3FileWriter implements FileWriter {
  readonly stream: Writable;
  readonly modTime: Date | undefined;
  private uploadId: string | undefined;
  private readonly parts: PartRecord[];
  private pieces: PendingPiece[];
  private readonly stale: string[];
  private readonly initialSize: number;
  private taken = 0;
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
    private readonly chunkSize: number,
    state: S3WriteState,
  ) {
    this.uploadId = state.uploadId;
    this.parts = [...state.parts];
    this.pieces = [...state.pieces];
    this.stale = [...state.stale];
    this.modTime = state.modTime;
    this.settling = state.settling ?? Promise.resolve();
    // awaited where it matters; this only keeps an early failure from being reported as unhandled
    this.settling.catch(() => undefined);
    const piecesSize = this.piecesSize();
    this.initialSize = this.parts.reduce((sum, p) => sum + p.Size, 0) + piecesSize + state.head.length;
    // the first part starts with the pieces, so it takes that much less from the stream
    this.buffer = Buffer.allocUnsafe(Math.max(chunkSize - piecesSize, state.head.length, 1));
    state.head.copy(this.buffer);
    this.filled = state.head.length;
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

  /** Sends what is pending and buffered as the last part (or the whole object), then completes the upload. */
  async commit(): Promise<void> {
    this.markEnded();
    try {
      await this.flushStream();
      await this.settle();
      if (this.uploadId === undefined) {
        await this.bucket.put(this.key, Buffer.concat([...(await this.readPieces()), this.buffer.subarray(0, this.filled)]));
        await this.dropPieces();
      } else {
        if (this.filled > 0 || this.pieces.length > 0 || this.parts.length === 0) await this.sendPart(this.buffer.subarray(0, this.filled));
        await this.bucket.completeUpload(this.key, this.uploadId, this.parts);
      }
      if (this.stale.length > 0) await this.bucket.deleteObjects(this.stale);
    } finally {
      this.release();
    }
  }

  /**
   * Keeps what was taken for a later append: with the pending pieces it makes 5 MiB or more, it
   * becomes a part; otherwise a new piece. A failed source stream is not an error here.
   */
  async close(): Promise<void> {
    this.markEnded();
    try {
      await this.flushStream().catch(() => undefined);
      await this.settle();
      if (this.taken === 0 || this.filled === 0) return;
      if (this.piecesSize() + this.filled >= MIN_PART_SIZE) {
        await this.sendPart(this.buffer.subarray(0, this.filled));
      } else {
        const key = pieceKey(this.key, this.lastPartNumber(), this.size() - this.filled);
        await this.bucket.put(key, this.buffer.subarray(0, this.filled));
      }
    } finally {
      this.release();
    }
  }

  /** Aborts the multipart upload and removes the pieces and any committed file at the key. */
  async cancel(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      this.stream.destroy();
    }
    await this.sending.catch(() => undefined);
    await this.settling.catch(() => undefined);
    this.release();
    if (this.uploadId !== undefined) await this.bucket.abortUpload(this.key, this.uploadId);
    await this.bucket.deleteObjects([this.key, ...this.pieces.map((p) => p.key), ...this.stale]);
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

  /** Waits for clean-up and for the part on its way; rethrows a failure. */
  private async settle(): Promise<void> {
    await this.settling;
    await this.sending;
    if (this.sendError !== undefined) throw this.sendError;
  }

  /** Sends a part: the pending pieces first, then `body`; the pieces go once the part is stored. */
  private async sendPart(body: Buffer): Promise<void> {
    // the clean-up lists this key's multipart uploads and aborts them: ours must not exist yet
    await this.settling;
    const pieces = await this.readPieces();
    this.uploadId ??= await this.bucket.createUpload(this.key);
    const part = pieces.length > 0 ? Buffer.concat([...pieces, body]) : body;
    this.parts.push(await this.bucket.uploadPart(this.key, this.uploadId, this.lastPartNumber() + 1, part));
    await this.dropPieces();
  }

  private async readPieces(): Promise<Buffer[]> {
    return Promise.all(this.pieces.map(async (piece) => (await this.bucket.getBytes(piece.key))?.bytes ?? missingPiece(piece.key)));
  }

  private async dropPieces(): Promise<void> {
    if (this.pieces.length === 0) return;
    await this.bucket.deleteObjects(this.pieces.map((p) => p.key));
    this.pieces = [];
  }

  private piecesSize(): number {
    return this.pieces.reduce((sum, p) => sum + p.size, 0);
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

/** A piece listed a moment ago is gone: another writer took the upload over meanwhile. */
function missingPiece(key: string): never {
  throw new Error(`pending piece ${key} disappeared while the upload was being written (two writers at once?)`);
}
