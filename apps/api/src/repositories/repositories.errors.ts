/** No counters for this repository: never pushed or pulled since Wharf started counting. */
export class UnknownRepositoryError extends Error {
  override readonly name = 'UnknownRepositoryError';

  constructor(
    readonly repository: string,
    message = `repository "${repository}" has no counters: it was never pushed or pulled`,
  ) {
    super(message);
  }
}

/** No `database` section, or PostgreSQL does not answer. */
export class CountersUnavailableError extends Error {
  override readonly name = 'CountersUnavailableError';
}

/** A cursor that this API did not hand out (or one for another sort order). */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';

  constructor() {
    super('cursor is not valid here: pass back the nextCursor of the previous page, with the same sort');
  }
}

/** A sort by a counter while no `database` section is configured: only the sorts storage can answer work. */
export class SortUnavailableError extends Error {
  override readonly name = 'SortUnavailableError';

  constructor(sort: string, available: readonly string[]) {
    super(`sort=${sort} needs the download counters, which live in PostgreSQL, and no database section is configured; available sorts: ${available.join(', ')}`);
  }
}
