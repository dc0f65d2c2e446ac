/** Default listen address of the API role when `api.addr` is not configured. */
export const DEFAULT_API_ADDR = ':5080';

/**
 * Peers whose X-Forwarded-For the API believes when `api.trustedproxies` is not set: loopback.
 * The dashboard role signs users in by calling POST /api/session from its own server, usually on
 * the same host (often the same process); without believing it, every dashboard user would share
 * the dashboard's address and one user's wrong passwords would lock out all of them. A process on
 * the API's own host can reach the API directly anyway. Set `api.trustedproxies: []` when a local
 * proxy in front of the API passes the header on without appending the peer it saw.
 */
export const DEFAULT_API_TRUSTED_PROXIES: readonly string[] = ['loopback'];
