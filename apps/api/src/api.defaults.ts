import type { WharfConfig } from '@wharf/config';

/** The API role's port when `api.addr` is not configured. */
export const DEFAULT_API_ADDR = ':5080';

/** Where an API without a users file listens unless `api.addr` says otherwise: this host only. */
export const OPEN_API_ADDR = '127.0.0.1:5080';

/**
 * Peers whose X-Forwarded-For the API believes when `api.trustedproxies` is not set: loopback.
 * The dashboard role signs users in by calling POST /api/session from its own server, usually on
 * the same host (often the same process); without believing it, every dashboard user would share
 * the dashboard's address and one user's wrong passwords would lock out all of them. A process on
 * the API's own host can reach the API directly anyway. Set `api.trustedproxies: []` when a local
 * proxy in front of the API passes the header on without appending the peer it saw.
 */
export const DEFAULT_API_TRUSTED_PROXIES: readonly string[] = ['loopback'];

/** The htpasswd file the API signs users in with: `auth.htpasswd.path`, else `tokenserver.htpasswd`. */
export function apiUsersFile(config: WharfConfig): string | undefined {
  return config.auth?.scheme === 'htpasswd' ? config.auth.path : config.tokenServer?.htpasswd;
}

/**
 * Where the API listens: `api.addr` when set; otherwise every interface when a users file guards
 * it, and loopback only when it has none, since every caller of an open API is an admin who can
 * delete tags and point webhooks anywhere.
 */
export function apiListenAddr(config: WharfConfig): { addr: string; openOnLoopback: boolean } {
  if (config.api?.addr !== undefined) return { addr: config.api.addr, openOnLoopback: false };
  return apiUsersFile(config) === undefined ? { addr: OPEN_API_ADDR, openOnLoopback: true } : { addr: DEFAULT_API_ADDR, openOnLoopback: false };
}
