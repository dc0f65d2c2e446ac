import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { FileWriter } from '@wharf/registry-core';

/**
 * A FileWriter for object stores, which take bytes in blocks rather than as a byte stream
 * (Azure append blocks, GCS resumable-session chunks). Bytes are gathered in memory until at
 * least `blockSize` are pending, then handed to `storeBlocks`, which stores a prefix of them
 * and says how long it was; the rest waits for more. So memory stays near one block per
 * writer whatever the blob's size.
 *
 * `size()` is every byte accepted so far. `commit` and `close` hand what is still pending to
 * the subclass, which makes it final or keeps it for a later `writer(path, true)`.
 */
export abstract class BlockFileWriter implements FileWriter {
  readonly stream: Writable;
  readonly modTime: Date | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes the store already holds (before this writer, plus what storeBlocks stored). */
  private storedBytes: number;
  /** The store call in flight: close/commit/cancel wait for it before touching the object. */
  private io: Promise<void> = Promise.resolve();
  private ended = false;

  /**
   * `existing`: the bytes earlier writers left (`stored` in the backend, plus a `tail` the
   * backend keeps aside, which is sent again with the next block) and when they were written.
   */
  protected constructor(
    protected readonly path: string,
    existing: { stored: number; tail?: Buffer; modTime?: Date },
    private readonly blockSize: number,
  ) {
    this.storedBytes = existing.stored;
    this.modTime = existing.modTime;
    if (existing.tail !== undefined && existing.tail.length > 0) {
      this.pending = [existing.tail];
      this.pendingBytes = existing.tail.length;
    }
    this.stream = new Writable({
      highWaterMark: blockSize,
      write: (chunk: Buffer, _encoding, callback) => this.track(this.take([chunk]), callback),
      writev: (chunks, callback) => this.track(this.take(chunks.map((c) => c.chunk as Buffer)), callback),
      destroy: (error, callback) => {
        void this.io.then(() => callback(error));
      },
    });
  }

  size(): number {
    return this.storedBytes + this.pendingBytes;
  }

  /** Bytes already in the store, excluding what is pending here. */
  protected get stored(): number {
    return this.storedBytes;
  }

  /** Ends the stream (a failed one rejects here), then makes every byte final at the path. */
  async commit(): Promise<void> {
    this.markEnded();
    await this.endStream();
    await this.complete(this.takePending());
  }

  /**
   * Ends the stream and keeps what arrived for a later append. A stream whose source failed
   * (a client gone mid-chunk) is not an error here: the bytes accepted before stay.
   */
  async close(): Promise<void> {
    this.markEnded();
    await this.endStream().catch(() => undefined);
    await this.keep(this.takePending());
  }

  /** Drops pending bytes and removes the object, also after a failed commit. */
  async cancel(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      this.stream.destroy();
      await this.io.catch(() => undefined);
    }
    this.takePending();
    await this.discard();
  }

  /**
   * Stores a prefix of `data` (which is at least one block long) and returns its length;
   * the bytes after it stay pending.
   */
  protected abstract storeBlocks(data: Buffer, offset: number): Promise<number>;
  /** Makes the object final: everything stored so far, then `rest`. */
  protected abstract complete(rest: Buffer): Promise<void>;
  /** Keeps `rest` after what is stored, for a later append. */
  protected abstract keep(rest: Buffer): Promise<void>;
  /** Removes the object and anything kept for it. */
  protected abstract discard(): Promise<void>;

  /** Accounts bytes the subclass stored outside `storeBlocks` (in complete or keep). */
  protected addStored(bytes: number): void {
    this.storedBytes += bytes;
  }

  private track(work: Promise<void>, callback: (error?: Error | null) => void): void {
    this.io = work.then(
      () => callback(),
      (err: Error) => callback(err),
    );
  }

  private async take(chunks: Buffer[]): Promise<void> {
    for (const chunk of chunks) {
      if (chunk.length === 0) continue;
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
    }
    while (this.pendingBytes >= this.blockSize) {
      const data = this.takePending();
      let stored = 0;
      try {
        stored = await this.storeBlocks(data, this.storedBytes);
      } finally {
        // what was not stored (all of it, when the store failed) stays pending for close/keep
        this.storedBytes += stored;
        if (stored < data.length) {
          this.pending = [data.subarray(stored)];
          this.pendingBytes = data.length - stored;
        }
      }
      if (stored === 0) break;
    }
  }

  private takePending(): Buffer {
    const data = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    return data;
  }

  private async endStream(): Promise<void> {
    if (!this.stream.writableEnded && !this.stream.destroyed) this.stream.end();
    try {
      await finished(this.stream);
    } finally {
      await this.io.catch(() => undefined);
    }
  }

  private markEnded(): void {
    if (this.ended) throw new Error(`writer for ${this.path} is already closed`);
    this.ended = true;
  }
}
