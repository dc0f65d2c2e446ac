import { PassThrough, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { FileWriter } from '@wharf/registry-core';

/** What the writer needs from the driver: segment uploads and the file's DLO manifest. */
export interface SegmentTarget {
  /** The path being written, for messages. */
  readonly path: string;
  /** Streams one segment (`number`) into Swift; resolves once Swift has stored all of it. */
  putSegment(number: number, body: PassThrough): Promise<void>;
  /** Writes (or rewrites, refreshing its date) the manifest that makes the segments one file. */
  writeManifest(): Promise<void>;
  /** Resolves once a read of the file sees `size` bytes (listings may lag behind segment writes). */
  awaitSize(size: number): Promise<void>;
  /** Removes the manifest and every segment. */
  discard(): Promise<void>;
}

interface OpenSegment {
  body: PassThrough;
  bytes: number;
  stored: Promise<void>;
}

/**
 * Cuts the byte stream into segments of at most `chunkSize` and streams each straight into a PUT
 * (chunked transfer): memory stays at stream buffers whatever the segment size, unlike registry:2
 * which holds a whole segment in memory. A segment is stored whole or not at all, so `stored`
 * counts exactly the bytes Swift has.
 */
class SegmentSink extends Writable {
  /** Bytes accepted from the producer (what `size()` reports while writing). */
  accepted = 0;
  /** Bytes of segments Swift confirmed. */
  stored = 0;
  /** The first error of the producer or of Swift; a commit after it rejects with it. */
  failure: Error | undefined;
  private segment: OpenSegment | undefined;

  constructor(
    private readonly target: SegmentTarget,
    private nextNumber: number,
    private readonly chunkSize: number,
  ) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.append(chunk).then(
      () => callback(),
      (err: Error) => callback(this.fail(err)),
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.endSegment().then(
      () => callback(),
      (err: Error) => callback(this.fail(err)),
    );
  }

  // A producer that failed (a client gone mid-chunk) destroys the stream; the open segment is left
  // for close() to end, so the bytes that did arrive are kept.
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (error) this.fail(error);
    callback(error);
  }

  /** Ends the open segment, if any, and waits until Swift has it. */
  async endSegment(): Promise<void> {
    const segment = this.segment;
    if (!segment) return;
    this.segment = undefined;
    segment.body.end();
    await segment.stored;
    this.stored += segment.bytes;
  }

  /** Aborts the open segment: Swift discards a PUT whose body never ended. */
  abortSegment(): void {
    this.segment?.body.destroy(new Error('segment upload cancelled'));
    this.segment = undefined;
  }

  private fail(err: Error): Error {
    this.failure ??= err;
    return err;
  }

  private async append(chunk: Buffer): Promise<void> {
    let rest = chunk;
    while (rest.length > 0) {
      const segment = this.segment ?? this.openSegment();
      const piece = rest.subarray(0, this.chunkSize - segment.bytes);
      rest = rest.subarray(piece.length);
      segment.bytes += piece.length;
      this.accepted += piece.length;
      if (!segment.body.write(piece)) {
        // wait for the request to take the bytes, or for it to fail
        await Promise.race([new Promise((resolve) => segment.body.once('drain', resolve)), segment.stored]);
      }
      if (segment.bytes === this.chunkSize) await this.endSegment();
    }
  }

  private openSegment(): OpenSegment {
    const body = new PassThrough({ highWaterMark: 256 * 1024 });
    const stored = this.target.putSegment(this.nextNumber++, body);
    // a failed PUT is reported by whoever awaits it; never as an unhandled rejection
    stored.catch(() => undefined);
    this.segment = { body, bytes: 0, stored };
    return this.segment;
  }
}

/**
 * A file being written as a Swift dynamic large object, registry:2's layout: numbered segments
 * under one prefix and a zero-byte manifest at the path (`X-Object-Manifest`). The manifest exists
 * before the first segment (the driver writes it when opening a new file), so a crashed writer
 * leaves no segment that deleting the path would miss. Bytes a closed writer kept are therefore
 * visible before commit, which the contract allows.
 */
export class SwiftFileWriter implements FileWriter {
  private readonly sink: SegmentSink;
  private ended = false;

  constructor(
    private readonly target: SegmentTarget,
    firstSegment: number,
    private readonly initialSize: number,
    /** When the newest earlier segment was stored; undefined when the file held no bytes. */
    readonly modTime: Date | undefined,
    chunkSize: number,
  ) {
    this.sink = new SegmentSink(target, firstSegment, chunkSize);
  }

  get stream(): Writable {
    return this.sink;
  }

  size(): number {
    return this.initialSize + (this.ended ? this.sink.stored : this.sink.accepted);
  }

  /** Ends the last segment and waits until the file reads whole; rejects if the stream or Swift failed. */
  async commit(): Promise<void> {
    this.markEnded();
    await this.flush();
    if (this.sink.failure) throw this.sink.failure;
    // the manifest exists since the file was opened: what is left is for Swift to count every segment
    await this.target.awaitSize(this.size());
  }

  /**
   * Keeps what Swift stored, even from a stream whose producer failed: the open segment is ended.
   * When bytes came, the manifest is rewritten so the file's date (`stat`) says when.
   */
  async close(): Promise<void> {
    this.markEnded();
    await this.flush().catch(() => undefined);
    await this.sink.endSegment().catch(() => undefined);
    if (this.sink.accepted > 0) await this.target.writeManifest();
  }

  async cancel(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      this.sink.abortSegment();
      this.sink.destroy();
    }
    await this.target.discard();
  }

  private markEnded(): void {
    if (this.ended) throw new Error(`writer for ${this.target.path} is already closed`);
    this.ended = true;
  }

  private async flush(): Promise<void> {
    if (!this.sink.writableEnded && !this.sink.destroyed) this.sink.end();
    await finished(this.sink);
  }
}
