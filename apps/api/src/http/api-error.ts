/**
 * The API's error codes and the status each answers with: the one place an API failure gets a
 * status (registry-core's RegistryError keeps its own OCI table, see api-exception.filter.ts).
 */
const API_ERROR_STATUS = {
  /** A query, body or path that cannot mean anything; every problem named. */
  INVALID_REQUEST: 400,
  /** A cursor this API did not hand out, or one for another sort. */
  INVALID_CURSOR: 400,
  /** A sort by a counter while no `database` section is configured. */
  SORT_UNAVAILABLE: 400,
  /** A webhook change valid on its own but not with what is stored. */
  INVALID_WEBHOOK: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  UNKNOWN_REPOSITORY: 404,
  UNKNOWN_EVENT: 404,
  UNKNOWN_WEBHOOK: 404,
  UNKNOWN_DELIVERY: 404,
  UNKNOWN_QUEUE: 404,
  METHOD_NOT_ALLOWED: 405,
  TOO_MANY_REQUESTS: 429,
  INTERNAL: 500,
  /** The registry in another process refused what the API sent for its user (not the user's fault). */
  REGISTRY_REFUSED: 502,
  /** The backing service of a feature is not configured or does not answer: try again later. */
  COUNTERS_UNAVAILABLE: 503,
  SEARCH_UNAVAILABLE: 503,
  QUEUES_UNAVAILABLE: 503,
  WEBHOOKS_UNAVAILABLE: 503,
  REGISTRY_UNAVAILABLE: 503,
  MIRRORS_UNAVAILABLE: 503,
} as const satisfies Record<string, number>;

export type ApiErrorCode = keyof typeof API_ERROR_STATUS;

/**
 * A failure the API's caller is told about: `{statusCode, error, code, message, ...fields}` with the
 * status of `code`. Services and guards throw it; ApiExceptionFilter alone turns it into a response.
 */
export class ApiError extends Error {
  override name = 'ApiError';

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    /** More fields of the body (what was not found, the problems found, the queues there are). */
    readonly fields: Record<string, unknown> = {},
    /** Response headers the caller needs (WWW-Authenticate, Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  get status(): number {
    return API_ERROR_STATUS[this.code];
  }
}

/** A cursor this API did not hand out (or one for another sort order). */
export function invalidCursor(): ApiError {
  return new ApiError('INVALID_CURSOR', 'cursor is not valid here: pass back the nextCursor of the previous page as it came, with the same sort');
}
