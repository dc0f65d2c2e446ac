import { lookup as dnsLookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

/*
 * Where a webhook may be sent. Anyone who may create a subscription could otherwise make the
 * deployer POST, signed and retried, to services only this host or its network can reach (the
 * cloud metadata endpoint, a database's HTTP port, the registry's own debug server). Unless
 * `webhooks.allowprivate` is set, only public unicast addresses are allowed: the API checks a URL
 * when it is saved, and the deployer checks every address a name resolves to at each connection
 * and connects to an address it checked, so a name that later points inward (or DNS rebinding)
 * gets nowhere.
 */

/** ipaddr.js range names in words; any range but `unicast` is refused. */
const RANGE_WORDS: Record<string, string> = {
  unspecified: 'an unspecified (0.0.0.0 or ::)',
  loopback: 'a loopback',
  private: 'a private',
  linkLocal: 'a link-local',
  uniqueLocal: 'a unique-local (private IPv6)',
  carrierGradeNat: 'a carrier-grade NAT',
  multicast: 'a multicast',
  broadcast: 'a broadcast',
  deprecatedSiteLocal: 'a site-local',
  rfc6052: 'a NAT64',
  rfc6145: 'an IPv4-translated',
  '6to4': 'a 6to4',
  teredo: 'a Teredo',
  ipv4Compatible: 'an IPv4-compatible IPv6',
};

/** Why `address` (an IP literal) may not receive webhooks; undefined when it may. */
export function forbiddenAddressReason(address: string): string | undefined {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // process(): ::ffff:127.0.0.1 is judged as the 127.0.0.1 it reaches
    parsed = ipaddr.process(address.replace(/^\[|\]$/g, '').replace(/%.*$/, ''));
  } catch {
    return `${address} is not an IP address`;
  }
  let range: string = parsed.range();
  // ::a.b.c.d (deprecated IPv4-compatible form): ipaddr.js calls it unicast
  if (parsed.kind() === 'ipv6' && range === 'unicast' && parsed.toByteArray().slice(0, 12).every((b) => b === 0)) range = 'ipv4Compatible';
  if (range === 'unicast') return undefined;
  return `${address} is ${RANGE_WORDS[range] ?? `a special-purpose (${range})`} address`;
}

/** The sentence every refusal ends with, naming the key that lifts it. */
export const ALLOW_PRIVATE_HINT = 'webhooks may not reach loopback, link-local or private addresses unless webhooks.allowprivate is true';

export type HostLookup = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

const systemLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** Raised (or reported) when a destination is refused; `message` is for the delivery log and the API. */
export class ForbiddenDestinationError extends Error {
  constructor(readonly host: string, reason: string) {
    super(`${host}: ${reason}; ${ALLOW_PRIVATE_HINT}`);
    this.name = 'ForbiddenDestinationError';
  }
}

/**
 * For a host that is an IP literal (`[::1]` included): the address, once judged (a forbidden one
 * throws ForbiddenDestinationError). Undefined for a name, which only a lookup can judge.
 */
export function checkedLiteral(hostname: string): { address: string; family: number } | undefined {
  const bare = hostname.replace(/^\[|\]$/g, '');
  if (!ipaddr.isValid(bare)) return undefined;
  const reason = forbiddenAddressReason(bare);
  if (reason !== undefined) throw new ForbiddenDestinationError(hostname, reason);
  return { address: bare, family: bare.includes(':') ? 6 : 4 };
}

/**
 * Resolves `hostname` and returns its addresses when every one of them may receive webhooks;
 * throws ForbiddenDestinationError naming the first that may not. An IP literal is judged as is.
 */
export async function checkedAddresses(hostname: string, lookup: HostLookup = systemLookup): Promise<{ address: string; family: number }[]> {
  const literal = checkedLiteral(hostname);
  if (literal !== undefined) return [literal];
  const bare = hostname.replace(/^\[|\]$/g, '');
  const addresses = await lookup(bare);
  for (const { address } of addresses) {
    const reason = forbiddenAddressReason(address);
    if (reason !== undefined) throw new ForbiddenDestinationError(hostname, `resolves to ${reason}`);
  }
  return [...addresses];
}

/**
 * The API's check of a URL being saved: why it may not receive webhooks, or undefined. A host with
 * `{{placeholders}}` is only known per event, and a name that does not resolve now may later: both
 * are left to the deployer's check at delivery time.
 */
export async function webhookUrlProblem(url: string, lookup: HostLookup = systemLookup): Promise<string | undefined> {
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    return undefined; // the URL's syntax is the schema's to refuse
  }
  if (hostname.includes('{{') || hostname.includes('%7B%7B')) return undefined;
  try {
    await checkedAddresses(hostname, lookup);
    return undefined;
  } catch (error) {
    if (error instanceof ForbiddenDestinationError) return error.message;
    return undefined;
  }
}
