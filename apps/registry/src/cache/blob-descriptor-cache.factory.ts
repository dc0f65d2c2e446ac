import type { WharfConfig } from '@wharf/config';
import { createRedisConnection, type RedisConnection } from '@wharf/queue';
import { InMemoryBlobDescriptorCache, NO_BLOB_DESCRIPTOR_CACHE, type BlobDescriptorCache } from '@wharf/registry-core';
import type { Logger } from '@wharf/observability';
import type { Registry } from 'prom-client';
import { MeteredBlobDescriptorCache } from './metered-blob-descriptor.cache.js';
import { RedisBlobDescriptorCache } from './redis-blob-descriptor.cache.js';

/** The cache storage.cache.blobdescriptor names, and the Redis connection to close with it. */
export function createBlobDescriptorCache(
  config: WharfConfig,
  metrics: Registry,
  logger: Logger,
): { cache: BlobDescriptorCache; connection?: RedisConnection } {
  const { blobDescriptor, blobDescriptorSize } = config.storage.cache;
  if (blobDescriptor === undefined) return { cache: NO_BLOB_DESCRIPTOR_CACHE };
  if (blobDescriptor === 'inmemory') {
    return { cache: new MeteredBlobDescriptorCache(new InMemoryBlobDescriptorCache(blobDescriptorSize), metrics, logger) };
  }
  // The config schema refuses a redis cache without a redis section.
  const connection = createRedisConnection(config.redis!, 'cache');
  return { cache: new MeteredBlobDescriptorCache(new RedisBlobDescriptorCache(connection), metrics, logger), connection };
}
