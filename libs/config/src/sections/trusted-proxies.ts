import { isIP } from 'node:net';
import { z } from 'zod';
import { text } from '../config.fields.js';
import { RawScalar } from '../raw-value.js';

/** proxy-addr's named ranges, which Fastify's `trustProxy` accepts beside addresses and CIDRs. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Why an entry of a trusted-proxies list cannot be used; undefined when it can. */
export function proxyAddressProblem(entry: string): string | undefined {
  if (NAMED_RANGES.has(entry)) return undefined;
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return `"${entry}" is not an IP address, a CIDR range or one of loopback, linklocal, uniquelocal`;
  if (slash === -1) return undefined;
  const bits = entry.slice(slash + 1);
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return `"${entry}": the prefix length must be 0 to ${max}`;
  return undefined;
}

/**
 * Peers whose X-Forwarded-For is believed. Unset (or `key:`) is undefined, so the role can apply its
 * own default; `[]` is an explicit "trust nobody". A single string is a one-item list.
 */
export const trustedProxies = () =>
  z
    .preprocess(
      (value) => (typeof value === 'string' || value instanceof RawScalar ? [value] : value),
      z.array(
        text().superRefine((entry, ctx) => {
          const problem = proxyAddressProblem(entry);
          if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
        }),
      ),
    )
    .optional();
