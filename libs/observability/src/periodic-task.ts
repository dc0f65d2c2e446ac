import type { Logger } from 'pino';

/** A housekeeping job a role runs on a schedule (retention, pruning); stopped with the role. */
export interface PeriodicTask {
  /** Cancels the next run and waits for the one in progress, if any. */
  stop(): Promise<void>;
}

/**
 * Runs `work` once right away and then `intervalMs` after each run ends, so two runs never overlap
 * however slow one is. A failed run is logged and the schedule goes on: housekeeping must never take
 * its role down. The timer does not keep the process alive.
 */
export function runPeriodically(name: string, intervalMs: number, work: () => Promise<void>, log: Logger): PeriodicTask {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const runOnce = (): void => {
    timer = undefined;
    running = work()
      .catch((err: unknown) => log.warn({ err, task: name }, `${name} failed; next try in ${Math.round(intervalMs / 1_000)}s`))
      .finally(() => {
        running = undefined;
        if (!stopped) {
          timer = setTimeout(runOnce, intervalMs);
          timer.unref();
        }
      });
  };
  timer = setTimeout(runOnce, 0);
  timer.unref();

  return {
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
    },
  };
}
