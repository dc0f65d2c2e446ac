import { setTimeout as sleep } from 'node:timers/promises';
import { CheckFailed, type HealthCheck } from './health-check.js';

/** What the API gate and /debug/health read. */
export interface HealthStatus {
  /** Check name → why it fails; empty while everything is healthy. */
  failures(): Record<string, string>;
  healthy(): boolean;
}

interface CheckState {
  check: HealthCheck;
  consecutiveFailures: number;
  lastError?: string;
}

/**
 * Runs every check on its interval with registry:2's semantics: a check is unhealthy once it failed
 * `threshold` times in a row and healthy again after one success; nothing is reported before a
 * check's first run (one interval after start). Unlike registry:2, every probe has a deadline, so a
 * backend that accepts connections and never answers counts as a failure instead of hanging the check.
 */
export class HealthMonitor implements HealthStatus {
  private readonly states: CheckState[];
  private readonly stopping = new AbortController();
  private readonly loops: Promise<void>[];

  constructor(checks: readonly HealthCheck[]) {
    this.states = checks.map((check) => ({ check, consecutiveFailures: 0 }));
    this.loops = this.states.map((state) => this.run(state));
  }

  failures(): Record<string, string> {
    const failing: Record<string, string> = {};
    for (const { check, consecutiveFailures, lastError } of this.states) {
      if (consecutiveFailures >= check.threshold && lastError !== undefined) failing[check.name] = lastError;
    }
    return failing;
  }

  healthy(): boolean {
    return this.states.every(({ check, consecutiveFailures }) => consecutiveFailures < check.threshold);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled(this.loops);
  }

  private async run(state: CheckState): Promise<void> {
    const { signal } = this.stopping;
    while (!signal.aborted) {
      try {
        await sleep(state.check.intervalMs, undefined, { signal });
      } catch {
        return;
      }
      const error = await probeOnce(state.check, signal);
      if (signal.aborted) return;
      if (error === undefined) {
        state.consecutiveFailures = 0;
        delete state.lastError;
      } else {
        state.consecutiveFailures = Math.min(state.consecutiveFailures + 1, state.check.threshold);
        state.lastError = error;
      }
    }
  }
}

/** undefined when healthy, else the reason; a probe past its deadline is aborted and fails. */
async function probeOnce(check: HealthCheck, stopping: AbortSignal): Promise<string | undefined> {
  const deadline = AbortSignal.timeout(check.timeoutMs);
  const signal = AbortSignal.any([deadline, stopping]);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${check.timeoutMs} ms`), check.timeoutMs);
  });
  try {
    const outcome = check.probe(signal).then(
      () => undefined,
      (err: unknown) => (err instanceof CheckFailed ? err.message : deadline.aborted ? `no answer within ${check.timeoutMs} ms` : String((err as Error)?.message ?? err)),
    );
    // A probe that ignores its signal still cannot hold the check past the deadline.
    return await Promise.race([outcome, expired]);
  } finally {
    clearTimeout(timer);
  }
}
