/** One item of a batch was not written. `permanent`: writing it again can never succeed. */
export class BulkItemError extends Error {
  override readonly name = 'BulkItemError';

  constructor(
    message: string,
    readonly permanent: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
