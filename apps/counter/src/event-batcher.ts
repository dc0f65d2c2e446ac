interface Pending<T> {
  item: T;
  resolve(): void;
  reject(error: unknown): void;
}

export interface EventBatcherOptions {
  /** Largest batch handed to `flush`. */
  maxBatch: number;
  /** Batches written at the same time (default 1). */
  parallel?: number;
  /**
   * Whether a failed batch should be retried item by item, so one bad item fails alone instead of
   * taking its whole batch down. Not for failures that would hit every item the same way.
   */
  isolate(error: unknown): boolean;
}

/**
 * Group commit: items submitted while a batch is being written wait and go together in the next
 * one, so under load one transaction carries many events, and an idle counter still writes each
 * event at once. `parallel` batches at most are written at once (the store keeps concurrent
 * batches from deadlocking: it takes its locks in key order).
 * `submit` settles when its item's batch is written (or has failed).
 */
export class EventBatcher<T> {
  private queue: Pending<T>[] = [];
  private writers = 0;
  private scheduled = false;

  constructor(
    private readonly flush: (items: T[]) => Promise<void>,
    private readonly options: EventBatcherOptions,
  ) {}

  submit(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.scheduled && this.writers < (this.options.parallel ?? 1)) {
        this.scheduled = true;
        // let the items submitted in this turn of the event loop join the first batch
        setImmediate(() => {
          this.scheduled = false;
          void this.drain();
        });
      }
    });
  }

  /** Items waiting or being written. */
  get size(): number {
    return this.queue.length;
  }

  private async drain(): Promise<void> {
    if (this.writers >= (this.options.parallel ?? 1)) return;
    this.writers++;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.options.maxBatch);
        await this.write(batch);
      }
    } finally {
      this.writers--;
    }
  }

  private async write(batch: Pending<T>[]): Promise<void> {
    try {
      await this.flush(batch.map((p) => p.item));
      for (const p of batch) p.resolve();
    } catch (error) {
      if (batch.length === 1 || !this.options.isolate(error)) {
        for (const p of batch) p.reject(error);
        return;
      }
      for (const p of batch) await this.write([p]);
    }
  }
}
