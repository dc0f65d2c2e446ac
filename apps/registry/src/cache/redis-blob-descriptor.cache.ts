import { parseDigest, type BlobDescriptor, type BlobDescriptorCache, type Digest } from '@wharf/registry-core';
import type { RedisConnection } from '@wharf/queue';

/** What registry:2 records as a blob's media type when it learnt the descriptor from storage. */
const BLOB_MEDIA_TYPE = 'application/octet-stream';

/**
 * storage.cache.blobdescriptor: redis, in registry:2's key layout, so registry:2 and Wharf can share
 * one cache while a migration runs both:
 *   blobs::<digest>                        hash {digest, size, mediatype}
 *   repository::<name>::blobs              set of the digests the repository holds
 *   repository::<name>::blobs::<digest>    hash {mediatype}
 * A forgotten blob leaves the repository's set and loses its descriptor, as registry:2 3.x clears it.
 * Errors propagate: MeteredBlobDescriptorCache turns them into misses.
 */
export class RedisBlobDescriptorCache implements BlobDescriptorCache {
  constructor(private readonly redis: RedisConnection) {}

  async stat(repository: string, digest: Digest): Promise<BlobDescriptor | undefined> {
    if (!(await this.redis.sismember(repositorySet(repository), digest.value))) return undefined;
    const [stored, size] = await this.redis.hmget(descriptorKey(digest), 'digest', 'size');
    if (stored === null || stored === undefined || size === null || size === undefined) return undefined;
    const bytes = Number(size);
    return Number.isSafeInteger(bytes) && bytes >= 0 ? { digest: parseDigest(stored), size: bytes } : undefined;
  }

  async remember(repository: string, descriptor: BlobDescriptor): Promise<void> {
    const digest = descriptor.digest.value;
    await this.redis.sadd(repositorySet(repository), digest);
    await this.redis.hset(descriptorKey(descriptor.digest), 'digest', digest, 'size', String(descriptor.size));
    await this.redis.hsetnx(descriptorKey(descriptor.digest), 'mediatype', BLOB_MEDIA_TYPE);
    await this.redis.hset(`${repositorySet(repository)}::${digest}`, 'mediatype', BLOB_MEDIA_TYPE);
  }

  async forget(repository: string, digest: Digest): Promise<void> {
    await this.redis.srem(repositorySet(repository), digest.value);
    await this.redis.hdel(descriptorKey(digest), 'digest', 'size', 'mediatype');
  }
}

/**
 * After garbage collection: the blobs are gone from storage, so their descriptors go from the cache
 * too (every repository's entry needs `blobs::<digest>`), or a HEAD would still find them.
 */
export async function forgetCollectedBlobs(redis: RedisConnection, digests: readonly string[]): Promise<void> {
  for (const digest of digests) await redis.hdel(`blobs::${digest}`, 'digest', 'size', 'mediatype');
}

function repositorySet(repository: string): string {
  return `repository::${repository}::blobs`;
}

function descriptorKey(digest: Digest): string {
  return `blobs::${digest.value}`;
}

