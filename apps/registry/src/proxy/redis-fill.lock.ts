import { randomUUID } from 'node:crypto';
import type { RedisConnection } from '@wharf/queue';
import type { FillLease, FillLock } from '@wharf/registry-core';

/** A holder that dies stops holding within this; a live one renews every third of it. */
const LOCK_TTL_MS = 15_000;

// Only the holder (same token) may renew or release.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * The fill lock across replicas: `SET NX PX` on one key per blob or manifest, renewed while the
 * download runs. Redis being away must not stop pulls: then every replica fetches for itself
 * (at worst registry:2's behaviour), which the single flight still bounds to one per process.
 */
export class RedisFillLock implements FillLock {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
    private readonly onError: (err: unknown) => void,
  ) {}

  async tryAcquire(key: string): Promise<FillLease | undefined> {
    const name = `${this.prefix}:mirror:fill:${key}`;
    const token = randomUUID();
    try {
      if ((await this.redis.set(name, token, 'PX', LOCK_TTL_MS, 'NX')) !== 'OK') return undefined;
    } catch (err) {
      this.onError(err);
      return { release: async () => undefined };
    }
    const renewal = setInterval(() => {
      this.redis.eval(RENEW, 1, name, token, LOCK_TTL_MS).catch(this.onError);
    }, LOCK_TTL_MS / 3);
    renewal.unref();
    return {
      release: async () => {
        clearInterval(renewal);
        await this.redis.eval(RELEASE, 1, name, token).catch(this.onError);
      },
    };
  }

  async isHeld(key: string): Promise<boolean> {
    try {
      return (await this.redis.exists(`${this.prefix}:mirror:fill:${key}`)) === 1;
    } catch (err) {
      this.onError(err);
      return false;
    }
  }
}
