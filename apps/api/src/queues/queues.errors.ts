import { ApiError } from '../http/api-error.js';

/** The queue named in the path is not one the configuration defines. */
export class UnknownQueueError extends ApiError {
  constructor(queue: string, known: readonly string[]) {
    super('UNKNOWN_QUEUE', `unknown queue "${queue}"; configured queues: ${known.length > 0 ? known.join(', ') : '(none)'}`, { queues: known });
  }
}

/** No `redis` section, or Redis does not answer: queue state cannot be read or changed. */
export class QueuesUnavailableError extends ApiError {
  constructor(reason: string) {
    super('QUEUES_UNAVAILABLE', reason);
  }
}
