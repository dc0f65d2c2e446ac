/**
 * How the spool's readers (the forwarder, the endpoint deliveries) wait: a timed wait that new
 * events may cut short (`wake`) unless the wait is a backoff, and that `interrupt` (stop, Redis
 * back) always cuts short. A signal that comes while nobody waits is kept for the next wait, so a
 * reader that found the spool empty and is about to wait never misses the append in between.
 */
export class WakeableWait {
  private woken = false;
  private interrupted = false;
  private waiting: { wakeable: boolean; end: () => void } | undefined;

  /** New events: ends a wakeable wait now, or the next one at once. */
  wake(): void {
    this.woken = true;
    if (this.waiting?.wakeable) this.waiting.end();
  }

  /** Ends the current wait, whatever it is, or the next one at once. */
  interrupt(): void {
    this.interrupted = true;
    this.waiting?.end();
  }

  /** Waits `ms` at most; `wakeable` false (a backoff): only `interrupt` ends it early. */
  async wait(ms: number, wakeable: boolean): Promise<void> {
    if (!this.interrupted && !(wakeable && this.woken)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(end, ms);
        function end(): void {
          clearTimeout(timer);
          resolve();
        }
        this.waiting = { wakeable, end };
      });
      this.waiting = undefined;
    }
    this.woken = false;
    this.interrupted = false;
  }
}
