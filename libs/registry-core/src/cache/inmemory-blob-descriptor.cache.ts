import { LRUCache } from 'lru-cache';
import type { Digest } from '../digest.js';
import type { BlobDescriptor, BlobDescriptorCache } from './blob-descriptor.cache.js';

/** storage.cache.blobdescriptor: inmemory; at most `size` entries (blobdescriptorsize), 0: no bound. */
export class InMemoryBlobDescriptorCache implements BlobDescriptorCache {
  private readonly entries: { get(key: string): BlobDescriptor | undefined; set(key: string, value: BlobDescriptor): unknown; delete(key: string): unknown };

  constructor(size: number) {
    this.entries = size > 0 ? new LRUCache<string, BlobDescriptor>({ max: size }) : new Map<string, BlobDescriptor>();
  }

  async stat(repository: string, digest: Digest): Promise<BlobDescriptor | undefined> {
    return this.entries.get(key(repository, digest));
  }

  async remember(repository: string, descriptor: BlobDescriptor): Promise<void> {
    this.entries.set(key(repository, descriptor.digest), descriptor);
  }

  async forget(repository: string, digest: Digest): Promise<void> {
    this.entries.delete(key(repository, digest));
  }
}

function key(repository: string, digest: Digest): string {
  return `${repository}@${digest.value}`;
}
