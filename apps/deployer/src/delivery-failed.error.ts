/**
 * A failed attempt that will be retried. It carries the wait the processor already chose (and
 * logged as `next_attempt_at`), which the Worker's backoff strategy hands back to BullMQ, so the
 * log and the schedule agree.
 */
export class DeliveryFailedError extends Error {
  override readonly name = 'DeliveryFailedError';

  constructor(
    message: string,
    readonly retryDelayMs: number,
  ) {
    super(message);
  }
}
