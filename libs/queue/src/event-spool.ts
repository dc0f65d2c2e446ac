import { mkdir, open, stat, unlink, type FileHandle } from 'node:fs/promises';
import type { RegistryEvent } from '@wharf/events';
import type { Logger } from '@wharf/observability';
import {
  FORWARDER_CONSUMER,
  acquireLock,
  listSegments,
  readCheckpoint,
  segmentFile,
  writeCheckpoint,
  type SpoolPosition,
} from './spool-files.js';

export interface EventSpoolOptions {
  directory: string;
  /** A segment is closed and a new one started once it is this large. Default 8 MiB. */
  segmentBytes?: number;
  logger?: Logger;
  /** Called with the duration (ms) of each group write and how many events it carried. */
  onWrite?: (ms: number, events: number) => void;
  /**
   * Who reads the spool, each from its own checkpoint: a segment is deleted once every one of them
   * has passed it. Default: the forwarder alone.
   */
  consumers?: readonly string[];
}

export interface SpoolRead {
  events: RegistryEvent[];
  /** The position just after each event (`positions[i]` follows `events[i]`). */
  positions: SpoolPosition[];
  /** Where the next read starts; commit it once the events are safely elsewhere. */
  next: SpoolPosition;
}

interface PendingAppend {
  bytes: Buffer;
  events: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

const DEFAULT_SEGMENT_BYTES = 8 * 1024 * 1024;
const READ_CHUNK_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

/**
 * The local, append-only event spool the registry writes every event to before it answers.
 *
 * Durability: `append` resolves once the lines are written to the segment file with write(2). There
 * is no fsync per event: a crashed process, even by SIGKILL, leaves its written bytes in the page
 * cache and the kernel writes them out; only a power loss or kernel crash can lose the last
 * seconds, the same window as Redis's own `appendfsync everysec`.
 *
 * Group commit: appends that arrive while a write is in flight, or in the same tick, share the next
 * single write, so thousands of events per second cost a handful of syscalls.
 *
 * Reading (the forwarder, or one delivery per endpoint, in the same process): segments before the
 * active one are complete up to their last newline (a tail torn by a crash is skipped); the active
 * one is read only up to what has been written. `commit` records a consumer's position and deletes
 * the segments every consumer has passed, so a slow consumer holds disk, never another consumer.
 */
export class EventSpool {
  private handle: FileHandle | undefined;
  private activeSegment = 0;
  /** Bytes of the active segment that are fully written. */
  private writtenBytes = 0;
  private pending: PendingAppend[] = [];
  private flushing: Promise<void> | undefined;
  private scheduled = false;
  private closed = false;
  private readonly listeners = new Set<() => void>();
  private readonly segmentBytes: number;
  /** Every consumer's committed position, as deletion needs them. */
  private readonly positions = new Map<string, SpoolPosition>();

  private constructor(
    readonly directory: string,
    private readonly releaseLock: () => Promise<void>,
    private readonly options: EventSpoolOptions,
  ) {
    this.segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  }

  /** Creates the folder if needed, takes its lock and starts a new segment after any left behind. */
  static async open(options: EventSpoolOptions): Promise<EventSpool> {
    await mkdir(options.directory, { recursive: true });
    const release = await acquireLock(options.directory);
    const spool = new EventSpool(options.directory, release, options);
    try {
      const segments = await listSegments(options.directory);
      await spool.startSegment((segments.at(-1) ?? 0) + 1);
      for (const consumer of options.consumers ?? [FORWARDER_CONSUMER]) spool.positions.set(consumer, await spool.checkpoint(consumer));
    } catch (err) {
      await release();
      throw err;
    }
    return spool;
  }

  /**
   * Writes the events as JSON lines. Resolves once they are written (see the class comment);
   * rejects only on a local write error (disk full, I/O error) or after close.
   */
  append(events: readonly RegistryEvent[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('event spool is closed'));
    if (events.length === 0) return Promise.resolve();
    const bytes = Buffer.from(events.map((e) => `${JSON.stringify(e)}\n`).join(''), 'utf8');
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ bytes, events: events.length, resolve, reject });
      this.schedule();
    });
  }

  /** Called after each write that made new events readable. Returns an unsubscribe function. */
  onAppended(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when every append made so far has been written (or has failed). */
  async flush(): Promise<void> {
    while (this.flushing !== undefined || this.pending.length > 0 || this.scheduled) {
      if (this.flushing === undefined && !this.scheduled) this.schedule();
      await (this.flushing ?? new Promise((resolve) => setImmediate(resolve)));
    }
  }

  /**
   * Where a consumer's reading starts: its checkpoint, or the oldest segment when it has none (a
   * consumer new to this spool starts with what is still on disk rather than risk missing events).
   */
  async checkpoint(consumer: string = FORWARDER_CONSUMER): Promise<SpoolPosition> {
    const saved = await readCheckpoint(this.directory, consumer);
    if (saved !== undefined) return saved;
    const [oldest = this.activeSegment] = await listSegments(this.directory);
    return { segment: oldest, offset: 0 };
  }

  /**
   * Records that everything before `position` is safely handed on by `consumer`, and deletes the
   * segments every consumer has passed (never the active one).
   */
  async commit(position: SpoolPosition, consumer: string = FORWARDER_CONSUMER): Promise<void> {
    await writeCheckpoint(this.directory, position, consumer);
    this.positions.set(consumer, position);
    const slowest = this.slowestPosition() ?? position;
    for (const segment of await listSegments(this.directory)) {
      if (segment >= slowest.segment || segment >= this.activeSegment) break;
      await unlink(segmentFile(this.directory, segment)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    }
  }

  /**
   * Reads up to `maxEvents` complete lines from `from`. An empty result with `next` equal to `from`
   * means there is nothing more to read for now.
   */
  async read(from: SpoolPosition, maxEvents: number): Promise<SpoolRead> {
    let position = from;
    for (;;) {
      const finished = position.segment < this.activeSegment || this.closed;
      const limit = position.segment === this.activeSegment ? this.writtenBytes : Infinity;
      const result = await this.readSegment(position, limit, maxEvents);
      if (result.events.length > 0 || !finished) return result;
      // This finished segment has nothing more (a torn tail is dropped): move to the next one.
      const next = (await listSegments(this.directory)).find((s) => s > position.segment);
      if (next === undefined || (next > this.activeSegment && !this.closed)) return { events: [], positions: [], next: position };
      position = { segment: next, offset: 0 };
    }
  }

  /**
   * Bytes written but not yet committed by the slowest consumer: what a Redis outage or an
   * endpoint that is down has piled up on disk.
   */
  async backlogBytes(): Promise<number> {
    const checkpoint = this.slowestPosition() ?? (await this.checkpoint());
    let total = 0;
    for (const segment of await listSegments(this.directory)) {
      if (segment < checkpoint.segment) continue;
      const size = segment === this.activeSegment ? this.writtenBytes : await fileSize(segmentFile(this.directory, segment));
      total += Math.max(0, size - (segment === checkpoint.segment ? checkpoint.offset : 0));
    }
    return total;
  }

  /** Writes what is pending, then closes the active segment and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await this.handle?.close();
    this.handle = undefined;
    await this.releaseLock();
  }

  private slowestPosition(): SpoolPosition | undefined {
    let slowest: SpoolPosition | undefined;
    for (const p of this.positions.values()) {
      if (slowest === undefined || p.segment < slowest.segment || (p.segment === slowest.segment && p.offset < slowest.offset)) slowest = p;
    }
    return slowest;
  }

  private schedule(): void {
    if (this.scheduled || this.flushing !== undefined) return;
    this.scheduled = true;
    // setImmediate, not a microtask: appends made by other requests handled in this same turn of
    // the event loop join the write.
    setImmediate(() => {
      this.scheduled = false;
      this.flushing = this.writePending().finally(() => {
        this.flushing = undefined;
        if (this.pending.length > 0) this.schedule();
      });
    });
  }

  private async writePending(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const started = performance.now();
    const bytes = batch.length === 1 ? batch[0]!.bytes : Buffer.concat(batch.map((p) => p.bytes));
    try {
      if (this.handle === undefined || this.writtenBytes >= this.segmentBytes) await this.startSegment(this.activeSegment + 1);
      await this.writeFully(bytes);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.options.logger?.error({ err: error, directory: this.directory }, 'event spool: write failed');
      await this.recoverFromFailedWrite();
      for (const p of batch) p.reject(error);
      return;
    }
    this.writtenBytes += bytes.length;
    const events = batch.reduce((n, p) => n + p.events, 0);
    this.options.onWrite?.(performance.now() - started, events);
    for (const p of batch) p.resolve();
    for (const listener of this.listeners) listener();
  }

  private async writeFully(bytes: Buffer): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.handle!.write(bytes, done, bytes.length - done, this.writtenBytes + done);
      done += bytesWritten;
    }
  }

  /**
   * A failed write may have left part of a line behind. Cut the segment back to its last complete
   * line; if even that fails, continue in a new segment (the reader drops a torn segment tail).
   */
  private async recoverFromFailedWrite(): Promise<void> {
    try {
      await this.handle?.truncate(this.writtenBytes);
    } catch {
      await this.handle?.close().catch(() => undefined);
      this.handle = undefined;
    }
  }

  private async startSegment(segment: number): Promise<void> {
    const previous = this.handle;
    // 'a' would ignore the explicit positions writeFully passes; 'wx' refuses to reuse a segment.
    this.handle = await open(segmentFile(this.directory, segment), 'wx');
    this.activeSegment = segment;
    this.writtenBytes = 0;
    await previous?.close();
  }

  private async readSegment(from: SpoolPosition, limit: number, maxEvents: number): Promise<SpoolRead> {
    let handle: FileHandle;
    try {
      handle = await open(segmentFile(this.directory, from.segment), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], positions: [], next: from };
      throw err;
    }
    try {
      const events: RegistryEvent[] = [];
      const positions: SpoolPosition[] = [];
      let offset = from.offset;
      let chunkBytes = READ_CHUNK_BYTES;
      while (events.length < maxEvents && offset < limit) {
        const want = Math.min(chunkBytes, limit - offset);
        const buffer = Buffer.allocUnsafe(want);
        const { bytesRead } = await handle.read(buffer, 0, want, offset);
        if (bytesRead === 0) break;
        let lineStart = 0;
        let consumed = 0;
        for (let i = 0; i < bytesRead && events.length < maxEvents; i++) {
          if (buffer[i] !== NEWLINE) continue;
          const line = buffer.toString('utf8', lineStart, i);
          lineStart = i + 1;
          consumed = lineStart;
          const event = this.parseLine(line, from.segment, offset + consumed);
          if (event === undefined) continue;
          events.push(event);
          positions.push({ segment: from.segment, offset: offset + consumed });
        }
        if (consumed === 0) {
          // No complete line in the chunk: a line longer than the chunk, or the segment's torn tail.
          if (bytesRead < want || want === limit - offset) break;
          chunkBytes *= 2;
          continue;
        }
        offset += consumed;
      }
      return { events, positions, next: { segment: from.segment, offset } };
    } finally {
      await handle.close();
    }
  }

  private parseLine(line: string, segment: number, endOffset: number): RegistryEvent | undefined {
    if (line.trim() === '') return undefined;
    try {
      return JSON.parse(line) as RegistryEvent;
    } catch {
      // Only a damaged disk produces this; losing one line beats blocking the whole spool behind it.
      this.options.logger?.error({ directory: this.directory, segment, endOffset }, 'event spool: skipping an unreadable line');
      return undefined;
    }
  }
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}
