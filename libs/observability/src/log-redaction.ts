/**
 * What keeps secrets out of log lines. Keys that name a credential lose their value at any depth
 * (headers, config fragments, error details); in every string, credentials in URLs (user:password@,
 * ?token=…) and Basic/Bearer credentials are masked, so a logged URL or error message is safe too.
 */

export const REDACTED = '[redacted]';

const SECRET_KEY =
  /^(?:authorization|proxy-authorization|cookie|set-cookie|x-registry-auth|x-registry-config|password|passwd|pass|secret|.*[-_]secret|token|.*[-_]token|api[-_]?key|private[-_]?key|credentials?)$/i;

/** Query parameters that carry credentials (OAuth, registry tokens, presigned URLs, API keys). */
const SECRET_QUERY =
  /([?&;](?:password|passwd|pass|pwd|secret|client_secret|token|access_token|refresh_token|id_token|api[-_]?key|key|sig|signature|x-amz-signature|x-amz-security-token|x-amz-credential|x-goog-signature)=)[^&#;\s"']*/gi;
// user[:password]@ after scheme://, also percent-encoded (a URL inside a query string).
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*(?::\/\/|%3A%2F%2F))(?:(?!%40)[^/@\s"'&?#])+(?:@|%40)/gi;
// A credential after the scheme name; an all-lower-case word ("Basic authentication") is prose.
const AUTH_SCHEME_CREDENTIAL = /\b(Basic|Bearer)\s+(?![a-z]+\b)[A-Za-z0-9._~+/=-]{8,}/g;

const MAX_DEPTH = 8;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function redactText(text: string): string {
  if (!/[?&;@]|%40|Basic|Bearer/.test(text)) return text;
  return text
    .replace(URL_USERINFO, `$1${REDACTED}@`)
    .replace(SECRET_QUERY, `$1${REDACTED}`)
    .replace(AUTH_SCHEME_CREDENTIAL, `$1 ${REDACTED}`);
}

/**
 * A copy of `value` with secrets masked; the input is never changed. Errors become plain objects
 * shaped as pino's error serializer writes them (type, message, stack, own fields).
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Buffer.isBuffer(value) || value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  const source: Record<string, unknown> =
    value instanceof Error
      ? { ...value, type: value.name, message: value.message, stack: value.stack, ...(value.cause === undefined ? {} : { cause: value.cause }) }
      : (value as Record<string, unknown>);
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(source)) {
    copy[key] = isSecretKey(key) && item !== undefined && item !== null && item !== '' ? REDACTED : redactSecrets(item, depth + 1);
  }
  return copy;
}
