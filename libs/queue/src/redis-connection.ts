import { Redis, type RedisOptions } from 'ioredis';
import type { RedisConfig } from '@wharf/config';

/**
 * How a connection is used decides how it behaves while Redis is away:
 * - `worker`: blocking BullMQ consumers; commands wait for Redis to come back
 *   (BullMQ requires maxRetriesPerRequest: null).
 * - `producer`: the spool forwarder and API reads; commands fail fast so the
 *   caller can keep events spooled on disk and retry, never piling up in memory.
 */
export type RedisRole = 'worker' | 'producer';

/** A producer command that hangs (Redis stopped with SIGSTOP, a black-holed network) fails after this. */
const PRODUCER_COMMAND_TIMEOUT_MS = 15_000;

export function redisOptions(config: RedisConfig, role: RedisRole): RedisOptions {
  const [first = 'localhost:6379'] = config.addrs;
  const colon = first.lastIndexOf(':');
  return {
    host: colon === -1 ? first : first.slice(0, colon),
    port: colon === -1 ? 6379 : Number(first.slice(colon + 1)),
    username: config.username,
    password: config.password,
    db: config.db,
    connectTimeout: config.dialTimeoutMs ?? 5_000,
    tls: config.tls.enabled ? {} : undefined,
    // Keep reconnecting with a capped delay: Redis may be down for minutes.
    retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
    ...(role === 'worker'
      ? { maxRetriesPerRequest: null }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: PRODUCER_COMMAND_TIMEOUT_MS }),
  };
}

export function createRedisConnection(config: RedisConfig, role: RedisRole): Redis {
  const connection = new Redis(redisOptions(config, role));
  // ioredis re-emits every failed reconnect as 'error'; without a listener Node would print each
  // one as an unhandled error. Callers that care watch `status` / 'ready' instead.
  connection.on('error', () => undefined);
  return connection;
}
