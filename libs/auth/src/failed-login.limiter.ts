export interface FailedLoginLimiterOptions {
  /** Failures allowed per client within the window; default 10. */
  maxFailures?: number;
  /** Default one minute. */
  windowMs?: number;
  /** Clients tracked at most; beyond, the ones idle longest are forgotten. Default 100 000. */
  maxClients?: number;
  now?: () => number;
}

/**
 * Per-client (usually per IP) limit on failed sign-ins over a sliding window, so passwords cannot
 * be guessed at request rate. While a client is over the limit every attempt is refused, the right
 * password included, until its oldest failure leaves the window.
 */
export class FailedLoginLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxClients: number;
  private readonly now: () => number;

  constructor(options: FailedLoginLimiterOptions = {}) {
    this.maxFailures = options.maxFailures ?? 10;
    this.windowMs = options.windowMs ?? 60_000;
    this.maxClients = options.maxClients ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  /** Seconds the client must wait before trying again, or undefined when it may try now. */
  check(clientKey: string): number | undefined {
    const recent = this.recent(clientKey);
    if (recent.length < this.maxFailures) return undefined;
    const waitMs = recent[recent.length - this.maxFailures]! + this.windowMs - this.now();
    return Math.max(1, Math.ceil(waitMs / 1000));
  }

  recordFailure(clientKey: string): void {
    const recent = this.recent(clientKey);
    recent.push(this.now());
    // Only the last maxFailures matter for the decision.
    if (recent.length > this.maxFailures) recent.splice(0, recent.length - this.maxFailures);
    this.failures.delete(clientKey);
    this.failures.set(clientKey, recent);
    if (this.failures.size > this.maxClients) {
      const idlest = this.failures.keys().next();
      if (!idlest.done) this.failures.delete(idlest.value);
    }
  }

  private recent(clientKey: string): number[] {
    const times = this.failures.get(clientKey);
    if (times === undefined) return [];
    const since = this.now() - this.windowMs;
    const kept = times.filter((t) => t > since);
    if (kept.length === 0) this.failures.delete(clientKey);
    else if (kept.length !== times.length) this.failures.set(clientKey, kept);
    return kept;
  }
}
