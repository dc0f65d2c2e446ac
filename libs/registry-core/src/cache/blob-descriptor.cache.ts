import type { Digest } from '../digest.js';

/** What the cache knows of a blob a repository holds. */
export interface BlobDescriptor {
  digest: Digest;
  size: number;
}

/**
 * storage.cache.blobdescriptor: the size of blobs each repository holds, so HEAD and GET of a
 * blob skip the link and data stats. A port: in-memory (inmemory-blob-descriptor.cache.ts) or
 * Redis (in the registry app). Contract: never rejects (an unreachable cache is a miss, reported by
 * the adapter), and `forget` is called whenever a repository stops holding a blob, so the cache
 * never answers for something deleted.
 */
export interface BlobDescriptorCache {
  /** undefined: not known here (ask storage). */
  stat(repository: string, digest: Digest): Promise<BlobDescriptor | undefined>;
  remember(repository: string, descriptor: BlobDescriptor): Promise<void>;
  forget(repository: string, digest: Digest): Promise<void>;
}

export const NO_BLOB_DESCRIPTOR_CACHE: BlobDescriptorCache = {
  stat: async () => undefined,
  remember: async () => undefined,
  forget: async () => undefined,
};
