import type { RedisConnection } from './redis-connection.js';

export interface BreakerState {
  consecutiveFailures: number;
  /** Epoch ms of the last failure, 0 when none. */
  lastFailureAt: number;
}

/** Where a breaker keeps its count. */
interface BreakerStore {
  read(): Promise<BreakerState>;
  recordFailure(now: number): Promise<BreakerState>;
  reset(): Promise<void>;
}

/**
 * registry:2's circuit breaker for one endpoint (go-events Breaker): after `threshold` consecutive
 * failures no attempt is made until `backoff` has passed since the last failure; any success
 * resets it. Delivered through BullMQ its state lives in Redis (`<prefix>:breaker:<queue>`), so
 * every registry replica delivering to the endpoint and the API reporting on it see the same
 * breaker; delivered in process from the spool (no `redis` section) it lives in memory, as in
 * registry:2.
 */
export class EndpointBreaker {
  private constructor(
    private readonly store: BreakerStore,
    readonly threshold: number,
    readonly backoffMs: number,
  ) {}

  static inRedis(connection: RedisConnection, prefix: string, queueName: string, threshold: number, backoffMs: number): EndpointBreaker {
    const key = `${prefix}:breaker:${queueName}`;
    return new EndpointBreaker(
      {
        read: async () => {
          const [failures, last] = await connection.hmget(key, 'failures', 'last');
          return { consecutiveFailures: Number(failures ?? 0), lastFailureAt: Number(last ?? 0) };
        },
        recordFailure: async (now) => {
          const result = await connection.multi().hincrby(key, 'failures', 1).hset(key, 'last', now).exec();
          return { consecutiveFailures: Number(result?.[0]?.[1] ?? 1), lastFailureAt: now };
        },
        reset: async () => {
          await connection.del(key);
        },
      },
      threshold,
      backoffMs,
    );
  }

  static inMemory(threshold: number, backoffMs: number): EndpointBreaker {
    let state: BreakerState = { consecutiveFailures: 0, lastFailureAt: 0 };
    return new EndpointBreaker(
      {
        read: async () => state,
        recordFailure: async (now) => (state = { consecutiveFailures: state.consecutiveFailures + 1, lastFailureAt: now }),
        reset: async () => {
          state = { consecutiveFailures: 0, lastFailureAt: 0 };
        },
      },
      threshold,
      backoffMs,
    );
  }

  state(): Promise<BreakerState> {
    return this.store.read();
  }

  /** How long to hold off before the next attempt: 0 unless the breaker is open. */
  holdOffMs(state: BreakerState, now = Date.now()): number {
    if (state.consecutiveFailures < this.threshold) return 0;
    return Math.max(0, state.lastFailureAt + this.backoffMs - now);
  }

  failure(now = Date.now()): Promise<BreakerState> {
    return this.store.recordFailure(now);
  }

  success(): Promise<void> {
    return this.store.reset();
  }
}
