/**
 * Whether a database error is worth retrying unchanged: the server is down, restarting, or closed
 * the connection; a deadlock or serialization failure; too many connections. Anything else (a bad
 * value, a missing table) would fail the same way again.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    const { code, message } = current as Error & { code?: unknown };
    if (typeof code === 'string') {
      if (NETWORK_CODES.has(code)) return true;
      // SQLSTATE classes: 08 connection exception, 53 insufficient resources, 57P operator intervention
      if (/^(08|53|57P)/.test(code) || code === '40001' || code === '40P01' || code === '55P03') return true;
    }
    if (TRANSIENT_MESSAGES.some((pattern) => pattern.test(message))) return true;
    current = (current as { cause?: unknown }).cause ?? (current as { driverError?: unknown }).driverError;
  }
  return false;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

// node-postgres reports a dropped socket with messages, not codes
const TRANSIENT_MESSAGES = [
  /Connection terminated/i,
  /connection timeout/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /terminating connection/i,
  /Connection is closed/i,
  /Client was closed and is not queryable/i,
];
