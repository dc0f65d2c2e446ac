import { hostPort, joinHostPort, reachableHost, splitHostPort, type WharfConfig } from '@wharf/config';

/**
 * Where users reach the registry, for `docker pull` commands and event URLs: `http.host` when
 * set (what users already see in Location headers), else the registry's `http.addr`, with an
 * unspecified or wildcard host read as localhost.
 */
export function registryHost(http: Pick<WharfConfig['http'], 'host' | 'addr'>): string {
  if (http.host !== undefined) {
    try {
      return new URL(http.host).host;
    } catch {
      return http.host.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
    }
  }
  const parsed = splitHostPort(http.addr);
  if (parsed === undefined) return 'localhost';
  return joinHostPort(reachableHost(parsed.host, 'localhost'), parsed.port);
}

/** The registry's absolute base URL (ending in '/', with http.prefix), as its own events carry it. */
export function registryBaseUrl(http: Pick<WharfConfig['http'], 'host' | 'addr' | 'prefix'>): string {
  const base = http.host !== undefined ? http.host.replace(/\/+$/, '') : `http://${registryHost(http)}`;
  return `${base}${http.prefix}`;
}

/**
 * Where an api role in another process sends the registry its writes (ending in '/'): `api.registryurl`
 * when set; else the registry's own listen address from the same file (`http.addr`, a wildcard host
 * on loopback; https with `http.tls`; with `http.prefix`), which fits when both run on one host.
 * Not `http.host`: that is the address outside clients use, often a load balancer the API need not
 * cross. undefined when the registry listens on a unix socket (`http.net: unix`) and no URL is set.
 */
export function registryApiUrl(config: Pick<WharfConfig, 'http' | 'api'>): string | undefined {
  const configured = config.api?.registryUrl;
  if (configured !== undefined) return configured.endsWith('/') ? configured : `${configured}/`;
  const http = config.http;
  if (http.net === 'unix') return undefined;
  const { host, port } = hostPort(http.addr);
  return `${http.tls === undefined ? 'http' : 'https'}://${joinHostPort(reachableHost(host), port)}${http.prefix}`;
}
