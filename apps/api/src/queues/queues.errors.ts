/** The queue named in the path is not one the configuration defines. */
export class UnknownQueueError extends Error {
  constructor(readonly queue: string, readonly known: readonly string[]) {
    super(`unknown queue "${queue}"; configured queues: ${known.length > 0 ? known.join(', ') : '(none)'}`);
    this.name = 'UnknownQueueError';
  }
}

/** No `redis` section, or Redis does not answer: queue state cannot be read or changed. */
export class QueuesUnavailableError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'QueuesUnavailableError';
  }
}
