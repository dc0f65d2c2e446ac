import { z } from 'zod';
import { httpUrl, section, text } from '../config.fields.js';
import type { DashboardConfig } from '../config.types.js';
import { hostPort, joinHostPort, reachableHost } from '../host-port.js';

/** The dashboard role (apps/dashboard): where it listens and which API it reads. */
export const dashboardSection = section({
  addr: text().optional(),
  /** Base URL of the API role, without /api; default: the api.addr of this same config. */
  apiurl: httpUrl().optional(),
});

export const DEFAULT_DASHBOARD_ADDR = ':5081';
const DEFAULT_API_ADDR = ':5080';

/**
 * An unset apiurl points at api.addr, so one process hosting both roles needs no extra key; a
 * wildcard host (":5080", "0.0.0.0:5080", "[::]:5080") is reached on the loopback address.
 */
export function toDashboardConfig(raw: z.output<typeof dashboardSection> | undefined, apiAddr: string | undefined): DashboardConfig {
  const apiUrl = raw?.apiurl ?? urlOfAddr(apiAddr ?? DEFAULT_API_ADDR);
  return { addr: raw?.addr ?? DEFAULT_DASHBOARD_ADDR, apiUrl: apiUrl.replace(/\/+$/, '') };
}

function urlOfAddr(addr: string): string {
  const { host, port } = hostPort(addr);
  return `http://${joinHostPort(reachableHost(host), port)}`;
}
