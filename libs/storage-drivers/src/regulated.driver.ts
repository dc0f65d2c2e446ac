import type { FileInfo, FileWriter, StorageDriver } from '@wharf/registry-core';
import type { Readable } from 'node:stream';

/**
 * storage.filesystem.maxthreads, as registry:2's regulator applies it: at most `limit` driver calls
 * in progress at once; the rest wait their turn. A reader or writer holds its slot only while it is
 * being opened, as in registry:2, so long transfers never starve short calls.
 */
export class RegulatedDriver implements StorageDriver {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  readonly redirectURL?: StorageDriver['redirectURL'];
  readonly purgePendingWrites?: StorageDriver['purgePendingWrites'];
  readonly close?: StorageDriver['close'];

  constructor(
    private readonly inner: StorageDriver,
    private readonly limit: number,
  ) {
    // What the backend can do beyond the core contract stays available, unregulated as in registry:2.
    if (inner.redirectURL) this.redirectURL = inner.redirectURL.bind(inner);
    if (inner.purgePendingWrites) this.purgePendingWrites = inner.purgePendingWrites.bind(inner);
    if (inner.close) this.close = inner.close.bind(inner);
  }

  get name(): string {
    return this.inner.name;
  }

  getContent(path: string): Promise<Buffer> {
    return this.regulate(() => this.inner.getContent(path));
  }

  putContent(path: string, content: Buffer | string): Promise<void> {
    return this.regulate(() => this.inner.putContent(path, content));
  }

  reader(path: string, offset?: number, end?: number): Promise<Readable> {
    return this.regulate(() => this.inner.reader(path, offset, end));
  }

  writer(path: string, append: boolean): Promise<FileWriter> {
    return this.regulate(() => this.inner.writer(path, append));
  }

  stat(path: string): Promise<FileInfo> {
    return this.regulate(() => this.inner.stat(path));
  }

  list(path: string): Promise<string[]> {
    return this.regulate(() => this.inner.list(path));
  }

  /** A walk is many calls over time; like a reader it is not held to a slot for its whole length. */
  walk(path: string): AsyncIterable<FileInfo> {
    return this.inner.walk(path);
  }

  move(source: string, dest: string): Promise<void> {
    return this.regulate(() => this.inner.move(source, dest));
  }

  delete(path: string): Promise<void> {
    return this.regulate(() => this.inner.delete(path));
  }

  private async regulate<T>(call: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await call();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next caller; only with nobody waiting is it freed.
      if (next !== undefined) next();
      else this.active--;
    }
  }
}
