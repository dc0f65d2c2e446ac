import { errors } from '@elastic/elasticsearch';

/**
 * What can go wrong at the search edge, by code. Callers decide per code (the API maps each to one
 * HTTP status; the indexer retries SEARCH_UNAVAILABLE and gives up on INVALID_EVENT).
 * - INVALID_EVENT: the job is not a registry event that can be indexed (permanent).
 * - INVALID_CURSOR: a pagination cursor that this code did not produce, or for another sort order.
 * - SEARCH_UNAVAILABLE: Elasticsearch is unreachable, overloaded or timed out (transient).
 */
export type SearchErrorCode = 'INVALID_EVENT' | 'INVALID_CURSOR' | 'SEARCH_UNAVAILABLE';

export class SearchError extends Error {
  override readonly name = 'SearchError';

  constructor(
    readonly code: SearchErrorCode,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(detail, options);
  }
}

/** HTTP statuses of a whole request (or of one bulk item) that mean "try again later". */
const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/**
 * True for failures that go away by themselves: no connection, a timeout, a node that is starting
 * or overloaded. Anything else (a 400 for a bad request, a 404 for a missing index) is a bug or a
 * permanent condition and must not be retried forever.
 */
export function isTransientSearchError(err: unknown): boolean {
  if (err instanceof SearchError) return err.code === 'SEARCH_UNAVAILABLE';
  if (err instanceof errors.ConnectionError || err instanceof errors.TimeoutError || err instanceof errors.NoLivingConnectionsError) {
    return true;
  }
  if (err instanceof errors.ResponseError) return TRANSIENT_STATUSES.has(err.meta.statusCode ?? 0);
  return false;
}
