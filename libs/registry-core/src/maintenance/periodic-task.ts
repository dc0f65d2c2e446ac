/**
 * Runs a maintenance job after a first delay, then every interval. Runs never overlap, failures
 * are reported and the schedule carries on, and the timer does not keep the process alive.
 */
export class PeriodicTask<R> {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly job: () => Promise<R>,
    private readonly onRun?: (result: R) => void,
    private readonly onError?: (err: unknown) => void,
  ) {}

  start(intervalMs: number, firstRunDelayMs = 0): void {
    if (this.timer || this.stopped) return;
    const schedule = (delayMs: number): void => {
      this.timer = setTimeout(() => {
        const run = this.job().then(
          (result) => this.onRun?.(result),
          (err: unknown) => this.onError?.(err),
        );
        this.running = run;
        void run.finally(() => {
          this.running = undefined;
          if (!this.stopped) schedule(intervalMs);
        });
      }, delayMs);
      this.timer.unref();
    };
    schedule(firstRunDelayMs);
  }

  /** Cancels the schedule and waits for a run in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
