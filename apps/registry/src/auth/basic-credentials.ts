/**
 * The user and password of a well-formed `Authorization: Basic` header, or undefined. Stricter than
 * passport-http's own parsing, which accepts any scheme containing "basic", tolerates broken base64
 * and cuts a password at its first colon (RFC 7617 splits user and password at the first colon only).
 */
export function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  if (header === undefined) return undefined;
  const match = /^Basic +([A-Za-z0-9+/]+={0,2})$/i.exec(header);
  if (!match || match[1]!.length % 4 !== 0) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) return undefined;
  // Control characters are never part of a name or password a client meant to send.
  if (/[\u0000-\u001f\u007f\ufffd]/.test(decoded)) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
