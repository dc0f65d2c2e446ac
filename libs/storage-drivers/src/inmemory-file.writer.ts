import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { FileWriter } from '@wharf/registry-core';
import { appendTo, type MemoryFile } from './inmemory-node.js';

/**
 * A file being written by InMemoryDriver. Bytes land in the file node as they are written,
 * like writes to an open descriptor: if the path is replaced or deleted meanwhile, this
 * writer keeps writing to the node it opened.
 */
export class InMemoryFileWriter implements FileWriter {
  readonly stream: Writable;
  private written = 0;
  private ended = false;

  constructor(
    file: MemoryFile,
    private readonly initialSize: number,
    readonly modTime: Date | undefined,
    /** Removes whatever file is now at the writer's path (cancel's unlink). */
    private readonly unlink: () => void,
  ) {
    const store = (buffers: Buffer[]): void => {
      this.written += appendTo(file, buffers);
    };
    this.stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        store([chunk]);
        callback();
      },
      writev(chunks, callback) {
        store(chunks.map((c) => c.chunk as Buffer));
        callback();
      },
    });
  }

  size(): number {
    return this.initialSize + this.written;
  }

  /** Nothing to sync in memory: same as close, except that a failed stream rejects. */
  async commit(): Promise<void> {
    this.markEnded();
    await this.flush();
  }

  /** Keeps what was written even if the stream failed, like FilesystemFileWriter. */
  async close(): Promise<void> {
    this.markEnded();
    await this.flush().catch(() => undefined);
  }

  async cancel(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      this.stream.destroy();
    }
    this.unlink();
  }

  private markEnded(): void {
    if (this.ended) throw new Error('writer is already closed');
    this.ended = true;
  }

  private async flush(): Promise<void> {
    if (!this.stream.writableEnded && !this.stream.destroyed) this.stream.end();
    await finished(this.stream);
  }
}
