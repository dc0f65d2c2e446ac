/** What an `Authorization` header offers. */
export type PresentedCredentials =
  | { kind: 'none' }
  | { kind: 'bearer'; token: string }
  | { kind: 'basic'; user: string; password: string }
  | { kind: 'malformed'; reason: string };

const MAX_HEADER = 8 * 1024;

/** Parses `Bearer <token>` and `Basic <base64 user:password>` (RFC 7617); anything else is malformed. */
export function parseAuthorization(header: string | undefined): PresentedCredentials {
  if (header === undefined || header.trim() === '') return { kind: 'none' };
  if (header.length > MAX_HEADER) return { kind: 'malformed', reason: 'the Authorization header is too long' };
  const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(header);
  if (match === null) return { kind: 'malformed', reason: 'expected "Authorization: Bearer <token>" or "Authorization: Basic <credentials>"' };
  const scheme = match[1]!.toLowerCase();
  const value = match[2]!;
  if (scheme === 'bearer') return { kind: 'bearer', token: value };
  if (scheme !== 'basic') return { kind: 'malformed', reason: `unsupported authorization scheme: use Bearer or Basic` };
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return { kind: 'malformed', reason: 'Basic credentials are not valid base64' };
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return { kind: 'malformed', reason: 'Basic credentials must be user:password' };
  return { kind: 'basic', user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
