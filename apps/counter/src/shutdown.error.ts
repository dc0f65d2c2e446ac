/** The counter is stopping while its database is unreachable: the job goes back to the queue. */
export class ShutdownError extends Error {
  override readonly name = 'ShutdownError';

  constructor(readonly reason: unknown) {
    super('counter stopping before the database came back');
  }
}
