import { joinHostPort, reachableHost, splitHostPort, type WharfConfig } from '@wharf/config';

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
