/**
 * The cluster-wide half of "one upstream fetch per blob": a lock every replica sharing the storage
 * sees (Redis, at the edge). The holder fetches; the others wait for the result in storage.
 */
export interface FillLock {
  /** Takes `key` (kept alive until released); undefined when another process holds it. */
  tryAcquire(key: string): Promise<FillLease | undefined>;
  /** Whether any process holds `key` now (a holder that died stops holding it within the lock's expiry). */
  isHeld(key: string): Promise<boolean>;
}

export interface FillLease {
  release(): Promise<void>;
}

/** One process alone (no `redis` section): the in-process single flight is the whole story. */
export const PROCESS_FILL_LOCK: FillLock = {
  tryAcquire: async () => ({ release: async () => undefined }),
  isHeld: async () => false,
};
