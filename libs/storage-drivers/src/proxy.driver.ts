import type { Readable } from 'node:stream';
import type { FileInfo, FileWriter, RedirectOptions, StorageDriver } from '@wharf/registry-core';

export type Redirect = (path: string, options: RedirectOptions) => Promise<string | undefined>;

/**
 * A driver that hands every call to another, reached through a promise: for loading a driver's
 * module (and its cloud SDK) only when storage is first used, so a process pays for the SDK it
 * uses and no other; and for storage middleware, which replaces only `redirectURL`.
 */
export class ProxyDriver implements StorageDriver {
  readonly redirectURL?: Redirect;
  private loaded: Promise<StorageDriver> | undefined;

  constructor(
    readonly name: string,
    private readonly load: () => Promise<StorageDriver>,
    /** What `redirectURL` answers; absent: the driver signs no URLs. */
    redirect: Redirect | undefined,
  ) {
    if (redirect) this.redirectURL = redirect;
  }

  /** The driver behind the proxy, loaded once. */
  target(): Promise<StorageDriver> {
    return (this.loaded ??= this.load());
  }

  async getContent(path: string): Promise<Buffer> {
    return (await this.target()).getContent(path);
  }
  async putContent(path: string, content: Buffer | string): Promise<void> {
    return (await this.target()).putContent(path, content);
  }
  async reader(path: string, offset?: number, end?: number): Promise<Readable> {
    return (await this.target()).reader(path, offset, end);
  }
  async writer(path: string, append: boolean): Promise<FileWriter> {
    return (await this.target()).writer(path, append);
  }
  async stat(path: string): Promise<FileInfo> {
    return (await this.target()).stat(path);
  }
  async list(path: string): Promise<string[]> {
    return (await this.target()).list(path);
  }
  async *walk(path: string): AsyncIterable<FileInfo> {
    yield* (await this.target()).walk(path);
  }
  async move(source: string, dest: string): Promise<void> {
    return (await this.target()).move(source, dest);
  }
  async delete(path: string): Promise<void> {
    return (await this.target()).delete(path);
  }
  async purgePendingWrites(path: string, startedBefore: Date): Promise<string[]> {
    return (await (await this.target()).purgePendingWrites?.(path, startedBefore)) ?? [];
  }
  async close(): Promise<void> {
    if (this.loaded) await (await this.loaded).close?.();
  }
}
