/**
 * Wait before the next automatic attempt: `backoff` doubling per failed attempt, capped at
 * `maxBackoff`, with ±10% jitter so deliveries that failed together (a receiver restart) do not
 * all come back in the same instant. `failedAttempts` counts the attempts made so far (1 after the
 * first failure).
 */
export function retryDelayMs(failedAttempts: number, limits: { backoffMs: number; maxBackoffMs: number }, random: () => number = Math.random): number {
  const exponent = Math.max(0, failedAttempts - 1);
  const base = Math.min(limits.maxBackoffMs, limits.backoffMs * 2 ** Math.min(exponent, 40));
  return Math.round(base * (0.9 + 0.2 * random()));
}
