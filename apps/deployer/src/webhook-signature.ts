import { createHmac, timingSafeEqual } from 'node:crypto';

/*
 * Every delivery is signed so a receiver can tell it came from Wharf and was not replayed:
 *
 *   X-Wharf-Timestamp: <unix seconds when the attempt was sent>
 *   X-Wharf-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 *
 * To verify: take the raw request body bytes (before any JSON parsing), compute
 * HMAC-SHA256 with the subscription secret over the timestamp header, a ".", and the body; compare
 * its hex digest with the header after "sha256=" in constant time; and refuse timestamps more than
 * five minutes from your clock. `verifyWebhookSignature` below is that recipe.
 */

const SIGNATURE_PREFIX = 'sha256=';
const DEFAULT_TOLERANCE_SECONDS = 300;

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return SIGNATURE_PREFIX + createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

export function verifyWebhookSignature(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string | Buffer,
  options: { now?: number; toleranceSeconds?: number } = {},
): boolean {
  const { timestamp, signature } = headers;
  if (timestamp === undefined || signature === undefined || !/^\d+$/.test(timestamp) || !signature.startsWith(SIGNATURE_PREFIX)) return false;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
  const given = Buffer.from(signature.slice(SIGNATURE_PREFIX.length), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
