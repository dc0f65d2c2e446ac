import { parseDigest, type Digest } from '../digest.js';
import { isPathNotFound, type StorageDriver } from '../storage/storage-driver.js';

/** registry:2 "link" files: a tiny file whose content is a digest. */
export class LinkStore {
  // Link content by path, valid while the file's version is unchanged; bounded.
  private readonly cache = new Map<string, { version: string; digest: Digest }>();

  constructor(
    private readonly driver: StorageDriver,
    private readonly cacheCapacity = 0,
  ) {}

  /**
   * Like `read`, but revalidates a cached value with a stat (one cheap call)
   * instead of reading the file. Correct across replicas sharing the storage:
   * every write replaces the file, which changes its version.
   */
  async readValidated(path: string): Promise<Digest | undefined> {
    if (this.cacheCapacity === 0) return this.read(path);
    let version: string;
    try {
      version = (await this.driver.stat(path)).version;
    } catch (err) {
      if (isPathNotFound(err)) {
        this.cache.delete(path);
        return undefined;
      }
      throw err;
    }
    const cached = this.cache.get(path);
    if (cached?.version === version) return cached.digest;
    const digest = await this.read(path);
    if (digest) {
      if (this.cache.size >= this.cacheCapacity) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(path, { version, digest });
    }
    return digest;
  }

  async read(path: string): Promise<Digest | undefined> {
    try {
      return parseDigest((await this.driver.getContent(path)).toString('utf8').trim());
    } catch (err) {
      if (isPathNotFound(err)) return undefined;
      throw err;
    }
  }

  async exists(path: string): Promise<boolean> {
    return (await this.statSize(path)) !== undefined;
  }

  write(path: string, digest: Digest): Promise<void> {
    return this.driver.putContent(path, digest.value);
  }

  /** Deletes a file or directory; false when it was not there. */
  async remove(path: string): Promise<boolean> {
    try {
      await this.driver.delete(path);
      return true;
    } catch (err) {
      if (isPathNotFound(err)) return false;
      throw err;
    }
  }

  async statSize(path: string): Promise<number | undefined> {
    try {
      return (await this.driver.stat(path)).size;
    } catch (err) {
      if (isPathNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Child names (not paths) of a directory; empty when it does not exist. */
  async children(path: string): Promise<string[]> {
    try {
      return (await this.driver.list(path)).map((child) => child.slice(child.lastIndexOf('/') + 1));
    } catch (err) {
      if (isPathNotFound(err)) return [];
      throw err;
    }
  }
}
