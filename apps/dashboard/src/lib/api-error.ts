/** An API answer that is not a success, carrying the message the API gave (never a stack trace). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Builds the error from a failed response, preferring the API's own `message`. */
  static async from(response: Response): Promise<ApiError> {
    let message = `${response.status} ${response.statusText}`.trim();
    try {
      const body = (await response.json()) as { message?: unknown };
      if (typeof body.message === 'string' && body.message !== '') message = body.message;
      else if (Array.isArray(body.message)) message = body.message.join('; ');
    } catch {
      // not JSON: keep the status line
    }
    return new ApiError(response.status, message);
  }
}

/** What describeError says when the API wants a signed-in user; ErrorMessage adds the sign-in link. */
export const SIGN_IN_NEEDED = 'Sign in to see this page.';

/** A message fit to show a user for anything thrown while talking to the API. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 401) return SIGN_IN_NEEDED;
    if (error.status === 403) return `Your role may not do this: ${error.message}`;
    if (error.status === 503) return `The API cannot answer right now: ${error.message}`;
    return error.message;
  }
  if (error instanceof TypeError) return 'The API is not reachable.';
  return 'Something went wrong while talking to the API.';
}
