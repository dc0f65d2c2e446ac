import { PassThrough, type Readable } from 'node:stream';

const READER_HIGH_WATER_MARK = 1024 * 1024;

/**
 * The bytes of one upstream download in flight, handed to every reader that asked for the blob
 * meanwhile. The download is paced by storage and by the slowest attached reader (each reader buffers
 * at most about a MiB), so memory stays bounded; a reader that goes away is dropped and never stops
 * the download. The start of the blob is kept in memory up to `retainBytes`, so a reader that
 * arrives a little late still gets every byte; one that arrives later waits for the blob in storage.
 *
 * The last chunk is held back until the owner calls `verified` (length and digest checked): a
 * reader therefore never receives a whole blob that turns out to be bad; on `fail` before that,
 * every reader's stream is destroyed before its end, so clients see a cut response, never wrong
 * content. Readers do not wait for the blob to be made durable in storage; `done` does (`finish`).
 */
export class BlobFill {
  private readonly readers = new Set<PassThrough>();
  private retained: Buffer[] | undefined = [];
  private retainedBytes = 0;
  private held: Buffer | undefined;
  private released = false;
  private settled: { error?: Error } | undefined;
  private readonly outcome: Promise<void>;
  private resolveOutcome!: () => void;
  private rejectOutcome!: (err: Error) => void;

  constructor(
    /** Content-Length from the upstream, when it sent one. */
    readonly size: number | undefined,
    private readonly retainBytes: number,
  ) {
    this.outcome = new Promise<void>((resolve, reject) => {
      this.resolveOutcome = resolve;
      this.rejectOutcome = reject;
    });
    // Nobody may be waiting when a fill fails; the failure is reported through `done` to whoever is.
    this.outcome.catch(() => undefined);
  }

  /** Resolves once the blob is verified and in storage; rejects when the fill failed. */
  get done(): Promise<void> {
    return this.outcome;
  }

  /** A stream of the whole blob from its first byte, or undefined when its start is no longer in memory. */
  attach(): Readable | undefined {
    if (this.retained === undefined || this.released) return undefined;
    const reader = new PassThrough({ highWaterMark: READER_HIGH_WATER_MARK });
    for (const chunk of this.retained) reader.write(chunk);
    this.readers.add(reader);
    reader.once('close', () => this.readers.delete(reader));
    // Its consumer (the HTTP reply) sees the error too; this only keeps a cut reader from crashing the process.
    reader.on('error', () => undefined);
    return reader;
  }

  /** Hands a chunk on (the previous one; this one is held back); resolves when every reader can take more. */
  async push(chunk: Buffer): Promise<void> {
    const previous = this.held;
    this.held = chunk;
    if (previous === undefined) return;
    // What a late reader is replayed: exactly the chunks the others have been sent.
    if (this.retained !== undefined) {
      this.retainedBytes += previous.length;
      if (this.retainedBytes > this.retainBytes) this.retained = undefined;
      else this.retained.push(previous);
    }
    await this.forward(previous);
  }

  /** The bytes are the blob: the held-back chunk goes out and every reader ends. */
  verified(): void {
    if (this.released) return;
    for (const reader of this.readers) {
      if (this.held !== undefined) reader.write(this.held);
      reader.end();
    }
    this.release();
  }

  /** The blob is in storage: whoever waits for it reads it there. */
  finish(): void {
    if (this.settled) return;
    this.verified();
    this.settled = {};
    this.resolveOutcome();
  }

  /** The fill failed: readers still attached are cut before their last byte, waiters get `error`. */
  fail(error: Error): void {
    if (this.settled) return;
    this.settled = { error };
    for (const reader of this.readers) reader.destroy(error);
    this.release();
    this.rejectOutcome(error);
  }

  private release(): void {
    this.released = true;
    this.readers.clear();
    this.retained = undefined;
    this.held = undefined;
  }

  private async forward(chunk: Buffer): Promise<void> {
    const waits: Promise<unknown>[] = [];
    for (const reader of this.readers) {
      if (reader.destroyed) continue;
      if (!reader.write(chunk)) waits.push(drainedOrClosed(reader));
    }
    if (waits.length > 0) await Promise.all(waits);
  }
}

function drainedOrClosed(reader: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      reader.off('drain', done).off('close', done);
      resolve();
    };
    reader.on('drain', done).on('close', done);
  });
}
