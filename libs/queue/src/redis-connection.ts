import { readFileSync } from 'node:fs';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { ConfigError, hostPort, type RedisConfig } from '@wharf/config';
import { QUEUE_PREFIX } from '@wharf/events';

/**
 * How a connection is used decides how it behaves while Redis is away:
 * - `worker`: blocking BullMQ consumers; commands wait for Redis to come back
 *   (BullMQ requires maxRetriesPerRequest: null).
 * - `producer`: the spool forwarder and API reads; commands fail fast so the
 *   caller can keep events spooled on disk and retry, never piling up in memory.
 * - `cache`: the blob descriptor cache on the request path: fails faster still, since a miss
 *   only costs a storage read.
 */
export type RedisRole = 'worker' | 'producer' | 'cache';

/** One Redis, a Sentinel-watched primary, or a Cluster: every command Wharf sends works on each. */
export type RedisConnection = Redis | Cluster;

/** A command that hangs (Redis stopped with SIGSTOP, a black-holed network) fails after this, unless readtimeout/writetimeout say otherwise. */
const COMMAND_TIMEOUT_MS: Record<Exclude<RedisRole, 'worker'>, number> = { producer: 15_000, cache: 1_000 };
const DEFAULT_PORT = 6379;

/** Redis Cluster: several addresses and no Sentinel master name (go-redis UniversalClient's rule). */
export function isCluster(config: RedisConfig): boolean {
  return config.addrs.length > 1 && config.masterName === undefined;
}

/**
 * BullMQ's key prefix. On a Cluster every key of a queue must hash to one slot, so the prefix is a
 * hash tag there ("{wharf}"); a single Redis or Sentinel keeps the plain prefix its keys already have.
 */
export function queuePrefix(config: RedisConfig | undefined, prefix = QUEUE_PREFIX): string {
  return config !== undefined && isCluster(config) && !prefix.startsWith('{') ? `{${prefix}}` : prefix;
}

export function redisOptions(config: RedisConfig, role: RedisRole): RedisOptions {
  const commandTimeout = Math.max(config.readTimeoutMs ?? 0, config.writeTimeoutMs ?? 0);
  const minDelay = config.minRetryBackoffMs ?? 200;
  const maxDelay = Math.max(config.maxRetryBackoffMs ?? 5_000, minDelay);
  return {
    username: config.username,
    password: config.password,
    db: config.db,
    ...(config.clientName === undefined ? {} : { connectionName: config.clientName }),
    connectTimeout: config.dialTimeoutMs ?? 5_000,
    tls: tlsOptions(config),
    // Keep reconnecting with a capped delay (redis.minretrybackoff/maxretrybackoff): Redis may be down for minutes.
    retryStrategy: (attempt) => Math.min(minDelay * attempt, maxDelay),
    ...(role === 'worker'
      ? { maxRetriesPerRequest: null }
      : {
          maxRetriesPerRequest: config.maxRetries ?? 1,
          enableOfflineQueue: false,
          commandTimeout: commandTimeout > 0 ? commandTimeout : COMMAND_TIMEOUT_MS[role],
        }),
  };
}

function tlsOptions(config: RedisConfig): RedisOptions['tls'] {
  if (!config.tls.enabled) return undefined;
  const read = (path: string, key: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError([{ path: `redis.tls.${key}`, message: `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})` }]);
    }
  };
  return {
    ...(config.tls.certificate === undefined ? {} : { cert: read(config.tls.certificate, 'certificate') }),
    ...(config.tls.key === undefined ? {} : { key: read(config.tls.key, 'key') }),
    ...(config.tls.rootCAs.length === 0 ? {} : { ca: config.tls.rootCAs.map((path) => read(path, 'rootcas')) }),
  };
}

// Connections opened per configuration, i.e. per process (every role of a process shares one config object).
const opened = new WeakMap<RedisConfig, number>();

/**
 * The one way Wharf opens Redis (queues, forwarder, API, blob descriptor cache). Honours the
 * topology (one address; several: Cluster; mastername: Sentinel, its addresses the sentinels) and
 * the pool keys in terms of Wharf's model, where each user keeps one multiplexed connection open:
 * pool.maxactive (poolsize, maxactiveconns) and pool.maxidle (maxidleconns) cap how many a process
 * opens (a process that needs more refuses to start, naming the key); pool.idletimeout
 * (connmaxidletime) replaces a connection that sent nothing for that long.
 */
export function createRedisConnection(config: RedisConfig, role: RedisRole): RedisConnection {
  claimConnection(config);
  const options = redisOptions(config, role);
  const addresses = config.addrs.map((addr) => hostPort(addr, DEFAULT_PORT));
  let connection: RedisConnection;
  if (config.masterName !== undefined) {
    connection = new Redis({
      ...options,
      sentinels: addresses,
      name: config.masterName,
      ...(config.sentinelUsername === undefined ? {} : { sentinelUsername: config.sentinelUsername }),
      ...(config.sentinelPassword === undefined ? {} : { sentinelPassword: config.sentinelPassword }),
      ...(options.tls === undefined ? {} : { sentinelTLS: options.tls, enableTLSForSentinelMode: true }),
    });
  } else if (isCluster(config)) {
    const { retryStrategy, maxRetriesPerRequest, enableOfflineQueue, commandTimeout, ...nodeOptions } = options;
    const clusterOptions: ClusterOptions = {
      redisOptions: { ...nodeOptions, ...(commandTimeout === undefined ? {} : { commandTimeout }) },
      clusterRetryStrategy: retryStrategy,
      ...(maxRetriesPerRequest === undefined ? {} : { maxRetriesPerRequest }),
      ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
      ...(config.cluster.maxRedirects === undefined ? {} : { maxRedirections: config.cluster.maxRedirects }),
      // go-redis: readonly sends reads to replicas, routerandomly to any node.
      scaleReads: config.cluster.routeRandomly ? 'all' : config.cluster.readOnly ? 'slave' : 'master',
    };
    connection = new Cluster(addresses, clusterOptions);
  } else {
    const [first = { host: 'localhost', port: DEFAULT_PORT }] = addresses;
    connection = new Redis({ ...options, host: first.host, port: first.port });
  }
  // ioredis re-emits every failed reconnect as 'error'; without a listener Node would print each
  // one as an unhandled error. Callers that care watch `status` / 'ready' instead.
  connection.on('error', () => undefined);
  if (role !== 'worker' && config.pool.idleTimeoutMs !== undefined && config.pool.idleTimeoutMs > 0) {
    recycleWhenIdle(connection, config.pool.idleTimeoutMs);
  }
  return connection;
}

function claimConnection(config: RedisConfig): void {
  const count = (opened.get(config) ?? 0) + 1;
  opened.set(config, count);
  const caps: [string, number | undefined][] = [
    ['redis.pool.maxactive (maxactiveconns)', config.pool.maxActive],
    ['redis.pool.maxidle (maxidleconns)', config.pool.maxIdle],
    ['redis.poolsize', config.pool.size],
  ];
  for (const [key, cap] of caps) {
    if (cap !== undefined && cap > 0 && count > cap) {
      throw new ConfigError([
        { path: key, message: `this process needs at least ${count} Redis connections (one per queue user, kept open); ${cap} is too few` },
      ]);
    }
  }
}

function recycleWhenIdle(connection: RedisConnection, idleMs: number): void {
  let lastCommand = Date.now();
  const send = connection.sendCommand.bind(connection) as (...args: unknown[]) => unknown;
  (connection as { sendCommand: (...args: unknown[]) => unknown }).sendCommand = (...args: unknown[]) => {
    lastCommand = Date.now();
    return send(...args);
  };
  const timer = setInterval(() => {
    if (connection.status === 'ready' && Date.now() - lastCommand >= idleMs) {
      lastCommand = Date.now();
      connection.disconnect(true);
    }
  }, Math.max(Math.min(idleMs / 2, 60_000), 250));
  timer.unref();
  connection.once('end', () => clearInterval(timer));
}
