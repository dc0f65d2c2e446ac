import { randomUUID } from 'node:crypto';

const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/** A request id: the caller's `X-Request-Id` when it is sane (a proxy's), else a fresh UUID. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const candidate = Array.isArray(header) ? header[0] : header;
  return candidate !== undefined && ACCEPTABLE.test(candidate) ? candidate : randomUUID();
}
