/**
 * Capped exponential backoff with ±20% jitter, so many workers recovering at once do not retry in
 * lock step. `attempt` counts from 1.
 */
export function retryDelayMs(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const base = Math.min(maxMs, initialMs * 2 ** exponent);
  return Math.min(maxMs, Math.round(base * (0.8 + 0.4 * random())));
}
