/** An event that can never be counted (malformed): its job fails at once, without retries. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
}
