/** What a batch write says per item, in order: undefined when written, else why not. */
export type ItemOutcomes = readonly (Error | undefined)[];

export interface JobBatcherOptions {
  /** A batch is written as soon as it holds this many items… */
  maxBatch: number;
  /**
   * …or once its first item has waited this long. 0 is a group commit: an idle batcher writes each
   * item at once, a busy one sends together everything that arrived during the write before.
   */
  lingerMs: number;
  /** Batches written at once (default 1); beyond, items wait, and so do their jobs: the back-pressure. */
  maxInFlight?: number;
  /**
   * Whether a batch that failed as a whole is written again item by item, so that one bad item fails
   * alone. Not for failures that would hit every item the same way (a database that is down).
   */
  isolate?(error: unknown): boolean;
}

interface Entry<T> {
  readonly item: T;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Turns the many jobs a worker runs at once into few writes downstream (one `_bulk` request, one
 * transaction). `add` settles when its item's write did: a job awaiting it completes only once its
 * item is stored, and fails with the write's error otherwise (the consumer decides what that error
 * means: queue-consumer.ts). Nothing is retried here.
 */
export class JobBatcher<T> {
  private pending: Entry<T>[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The oldest pending item has waited lingerMs: send even a partial batch. */
  private due = false;
  private inFlight = 0;
  private closing = false;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(
    private readonly write: (items: T[]) => Promise<ItemOutcomes | void>,
    private readonly options: JobBatcherOptions,
  ) {}

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.pump();
    });
  }

  /** Writes what is pending without lingering, and resolves once nothing is pending or being written. */
  async close(): Promise<void> {
    this.closing = true;
    this.pump();
    if (this.inFlight === 0 && this.pending.length === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    const { maxBatch, lingerMs } = this.options;
    while (this.inFlight < (this.options.maxInFlight ?? 1) && this.pending.length > 0 && (this.pending.length >= maxBatch || this.due || this.closing)) {
      const batch = this.pending.splice(0, maxBatch);
      this.due = false;
      this.inFlight++;
      void this.send(batch).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.inFlight === 0 && this.pending.length === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
      });
    }
    if (this.pending.length === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
    } else if (this.timer === undefined && !this.due) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.due = true;
        this.pump();
      }, lingerMs);
    }
  }

  private async send(batch: Entry<T>[]): Promise<void> {
    let outcomes: ItemOutcomes | void;
    try {
      outcomes = await this.write(batch.map((e) => e.item));
    } catch (error) {
      if (batch.length > 1 && this.options.isolate?.(error) === true) {
        for (const entry of batch) await this.send([entry]);
      } else {
        for (const entry of batch) entry.reject(error);
      }
      return;
    }
    batch.forEach((entry, i) => {
      const failure = outcomes?.[i];
      if (failure === undefined) entry.resolve();
      else entry.reject(failure);
    });
  }
}
