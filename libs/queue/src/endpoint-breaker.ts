import type { RedisConnection } from './redis-connection.js';

export interface BreakerState {
  consecutiveFailures: number;
  /** Epoch ms of the last failure, 0 when none. */
  lastFailureAt: number;
}

/**
 * registry:2's circuit breaker for one endpoint (go-events Breaker): after `threshold` consecutive
 * failures no attempt is made until `backoff` has passed since the last failure; any success
 * resets it. Its state lives in Redis (`<prefix>:breaker:<queue>`), so every registry replica
 * delivering to the endpoint and the API reporting on it see the same breaker.
 */
export class EndpointBreaker {
  readonly key: string;

  constructor(
    private readonly connection: RedisConnection,
    prefix: string,
    queueName: string,
    readonly threshold: number,
    readonly backoffMs: number,
  ) {
    this.key = `${prefix}:breaker:${queueName}`;
  }

  async state(): Promise<BreakerState> {
    const [failures, last] = await this.connection.hmget(this.key, 'failures', 'last');
    return { consecutiveFailures: Number(failures ?? 0), lastFailureAt: Number(last ?? 0) };
  }

  /** How long to hold off before the next attempt: 0 unless the breaker is open. */
  holdOffMs(state: BreakerState, now = Date.now()): number {
    if (state.consecutiveFailures < this.threshold) return 0;
    return Math.max(0, state.lastFailureAt + this.backoffMs - now);
  }

  async failure(now = Date.now()): Promise<BreakerState> {
    const result = await this.connection.multi().hincrby(this.key, 'failures', 1).hset(this.key, 'last', now).exec();
    const failures = Number(result?.[0]?.[1] ?? 1);
    return { consecutiveFailures: failures, lastFailureAt: now };
  }

  async success(): Promise<void> {
    await this.connection.del(this.key);
  }
}
