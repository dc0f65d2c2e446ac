/** A capped exponential backoff: `initialMs` doubling per attempt up to `maxMs`, ± `jitter` (a fraction). */
export interface Backoff {
  initialMs: number;
  maxMs: number;
  /** Spread around each wait, so many workers recovering at once do not retry in lock step. Default 0.2 (±20%). */
  jitter?: number;
}

/** The wait before retry number `attempt` (counting from 1), never above `maxMs`. */
export function retryDelayMs(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 40);
  const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** exponent);
  const jitter = backoff.jitter ?? 0.2;
  return Math.min(backoff.maxMs, Math.round(base * (1 - jitter + 2 * jitter * random())));
}
