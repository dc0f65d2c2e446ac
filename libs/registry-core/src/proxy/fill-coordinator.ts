import { setTimeout as sleep } from 'node:timers/promises';
import { RegistryError } from '../errors/registry-error.js';
import type { FillLease, FillLock } from './fill-lock.js';

export interface FillCoordinatorOptions {
  /** How often a waiting replica looks for the other replica's result. */
  pollMs: number;
  /** How long a request waits for another replica's fetch before giving up with 503. */
  waitMs: number;
}

/**
 * Decides which replica fetches something from the upstream: the one that takes the lock. The
 * others poll storage until the result is there (or the holder is gone, when they try again).
 */
export class FillCoordinator {
  constructor(
    private readonly lock: FillLock,
    private readonly options: FillCoordinatorOptions,
  ) {}

  /** A lease when this process should fetch; 'present' when the thing arrived in storage meanwhile. */
  async claim(key: string, present: () => Promise<boolean>): Promise<FillLease | 'present'> {
    const deadline = Date.now() + this.options.waitMs;
    for (;;) {
      const lease = await this.lock.tryAcquire(key);
      if (lease !== undefined) {
        // Another replica may have finished between our look in storage and the lock.
        if (!(await present())) return lease;
        await lease.release();
        return 'present';
      }
      while (await this.lock.isHeld(key)) {
        if (Date.now() > deadline) {
          throw new RegistryError('UNAVAILABLE', 'another replica is still fetching this from the upstream', {
            message: 'upstream fetch in progress elsewhere; retry',
          });
        }
        await sleep(this.options.pollMs);
        if (await present()) return 'present';
      }
      if (await present()) return 'present';
    }
  }
}
