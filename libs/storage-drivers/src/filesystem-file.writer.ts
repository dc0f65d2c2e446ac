import fs from 'node:fs';
import { rm } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { promisify } from 'node:util';
import type { FileWriter } from '@wharf/registry-core';

const write = promisify(fs.write);
const writev = promisify(fs.writev);
const fdatasync = promisify(fs.fdatasync);
const closeFd = promisify(fs.close);

/**
 * Bytes buffered before `write()` asks the producer to wait. 1 MiB lets the stream batch
 * network-sized (64 KiB) chunks into one writev while the previous write is on disk.
 * Measured (512 MiB, 64 KiB chunks, write + fdatasync, medians of 7): 64 KiB 508 MiB/s,
 * 1 MiB 1,239 MiB/s, 4 MiB 1,055 MiB/s.
 */
const WRITE_HIGH_WATER_MARK = 1024 * 1024;

/**
 * Writes straight to an open descriptor. Used instead of `fs.WriteStream` because it
 * counts exactly the bytes the kernel accepted (the resumable-upload offset), and because
 * `FileHandle.createWriteStream({ autoClose: false })` never emits 'close', which leaves
 * `stream.pipeline` pending forever (Node 20).
 */
class DescriptorSink extends Writable {
  /** Bytes written to the descriptor by this sink. */
  written = 0;
  /** The write in progress, if any; the descriptor must not be closed before it settles. */
  private io: Promise<void> = Promise.resolve();

  constructor(private readonly fd: number) {
    super({ highWaterMark: WRITE_HIGH_WATER_MARK });
  }

  /** Resolves once no write is using the descriptor. */
  idle(): Promise<void> {
    return this.io;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.track(this.writeAll([chunk]), callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.track(this.writeAll(chunks.map((c) => c.chunk)), callback);
  }

  // Waits for the write in flight so that 'close' (and with it `finished`/`pipeline`)
  // comes only when the descriptor is free to close.
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.io.then(() => callback(error));
  }

  private track(work: Promise<void>, callback: (error?: Error | null) => void): void {
    this.io = work.then(
      () => callback(),
      (err: Error) => callback(err),
    );
  }

  /** Writes at the descriptor's position (the end for an O_APPEND file), retrying short writes. */
  private async writeAll(buffers: Buffer[]): Promise<void> {
    let pending = buffers.filter((b) => b.length > 0);
    while (pending.length > 0) {
      const n =
        pending.length === 1
          ? (await write(this.fd, pending[0]!, 0, pending[0]!.length, null)).bytesWritten
          : (await writev(this.fd, pending, undefined)).bytesWritten;
      if (n <= 0) throw new Error('write made no progress');
      this.written += n;
      pending = dropWritten(pending, n);
    }
  }
}

function dropWritten(buffers: Buffer[], count: number): Buffer[] {
  let i = 0;
  let left = count;
  while (i < buffers.length && left >= buffers[i]!.length) left -= buffers[i++]!.length;
  const rest = buffers.slice(i);
  if (left > 0) rest[0] = rest[0]!.subarray(left);
  return rest;
}

/**
 * A file being written by FilesystemDriver. The descriptor is opened by the driver and
 * owned here: whichever of commit, close or cancel comes first closes it.
 */
export class FilesystemFileWriter implements FileWriter {
  private readonly sink: DescriptorSink;
  private ended = false;

  constructor(
    private readonly fd: number,
    private readonly file: string,
    private readonly initialSize: number,
    readonly modTime: Date | undefined,
  ) {
    this.sink = new DescriptorSink(fd);
  }

  get stream(): Writable {
    return this.sink;
  }

  size(): number {
    return this.initialSize + this.sink.written;
  }

  /** Flushes what is buffered, fdatasyncs once and closes. Rejects if the stream failed. */
  async commit(): Promise<void> {
    this.markEnded();
    try {
      await this.flush();
      await fdatasync(this.fd);
    } finally {
      await this.release();
    }
  }

  /**
   * Flushes and closes without syncing: the bytes are in the file, which is all a later
   * append (here or in another process on the same disk) needs, and they survive anything
   * but a power cut, when the client restarts its upload. A stream that failed (a client
   * gone mid-chunk) is not an error here: the bytes that reached the file stay, and
   * `size()` counts them.
   */
  async close(): Promise<void> {
    this.markEnded();
    try {
      await this.flush().catch(() => undefined);
    } finally {
      await this.release();
    }
  }

  /** Drops buffered bytes, closes and unlinks the path. Also cleans up after a failed commit. */
  async cancel(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      this.sink.destroy();
      await this.release();
    }
    await rm(this.file, { force: true });
  }

  private markEnded(): void {
    if (this.ended) throw new Error(`writer for ${this.file} is already closed`);
    this.ended = true;
  }

  private async flush(): Promise<void> {
    if (!this.sink.writableEnded && !this.sink.destroyed) this.sink.end();
    await finished(this.sink);
  }

  private async release(): Promise<void> {
    if (!this.sink.destroyed) this.sink.destroy();
    await this.sink.idle();
    await closeFd(this.fd);
  }
}
