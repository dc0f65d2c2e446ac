import { ApiError } from '../http/api-error.js';

/** No counters for this repository: never pushed or pulled since Wharf started counting. */
export class UnknownRepositoryError extends ApiError {
  constructor(repository: string, message = `repository "${repository}" has no counters: it was never pushed or pulled`) {
    super('UNKNOWN_REPOSITORY', message, { repository });
  }
}

/** No `database` section, or PostgreSQL does not answer. */
export class CountersUnavailableError extends ApiError {
  constructor(message: string) {
    super('COUNTERS_UNAVAILABLE', message);
  }
}

/** A sort by a counter while no `database` section is configured: only the sorts storage can answer work. */
export class SortUnavailableError extends ApiError {
  constructor(sort: string, available: readonly string[]) {
    super(
      'SORT_UNAVAILABLE',
      `sort=${sort} needs the download counters, which live in PostgreSQL, and no database section is configured; available sorts: ${available.join(', ')}`,
    );
  }
}
