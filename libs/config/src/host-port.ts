/*
 * The one reading of `host:port` addresses in Wharf (http.addr, http.debug.addr, api.addr,
 * dashboard.addr, redis addrs, health tcp checks), with Go's net.SplitHostPort rules: an IPv6 host
 * is bracketed ("[::1]:5000"), an empty host (":5000") means every interface.
 */

export interface HostPort {
  /** Without brackets; '' when the address names no host. */
  host: string;
  port: number;
}

/** undefined when `addr` is not host:port with a port 0-65535. */
export function splitHostPort(addr: string): HostPort | undefined {
  const match = /^(?:\[([0-9a-fA-F:.%\w]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(addr);
  if (match === null) return undefined;
  const port = Number(match[3]);
  return port > 65_535 ? undefined : { host: match[1] ?? match[2] ?? '', port };
}

/** Like splitHostPort, for addresses already validated by the config schema. */
export function hostPort(addr: string, defaultPort?: number): HostPort {
  const parsed = splitHostPort(addr);
  if (parsed !== undefined) return parsed;
  if (defaultPort !== undefined && !addr.includes(':')) return { host: addr, port: defaultPort };
  throw new Error(`not a host:port address: ${addr}`);
}

/** The host to bind: an empty host listens on every interface, as in registry:2. */
export function listenHost(host: string): string {
  return host === '' ? '0.0.0.0' : host;
}

const WILDCARDS = new Set(['', '0.0.0.0', '::', '[::]']);

/** A host a local client can reach: a wildcard listener is reached on `loopback`. */
export function reachableHost(host: string, loopback = '127.0.0.1'): string {
  return WILDCARDS.has(host) ? loopback : host;
}

/** host:port as text again, bracketing IPv6 hosts. */
export function joinHostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
