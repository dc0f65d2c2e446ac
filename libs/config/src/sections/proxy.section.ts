import { z } from 'zod';
import { duration, httpUrl, list, section, text, unsupported } from '../config.fields.js';
import type { UpstreamConfig } from '../config.types.js';

/*
 * Pull-through caching. registry:2's `proxy:` turns the whole registry into a cache of one upstream
 * (pushes and deletes answer 405). Wharf's own `mirrors:` caches several upstreams at once beside
 * the repositories it hosts: each upstream's images live under its host name (`ghcr.io/org/app`).
 */

/** distribution 3's default; 0 keeps cached content until it is deleted by hand. */
export const DEFAULT_PROXY_TTL_MS = 168 * 3_600_000;

/** A repository path component (the distribution grammar): the host becomes the first one. */
const HOST_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;

const credentials = {
  remoteurl: httpUrl(),
  username: text().optional(),
  password: text().optional(),
  ttl: duration().optional(),
};

function requirePairs(value: { username?: string | undefined; password?: string | undefined }, ctx: z.RefinementCtx): void {
  if ((value.username === undefined) !== (value.password === undefined)) {
    ctx.addIssue({ code: 'custom', path: [value.username === undefined ? 'username' : 'password'], message: 'username and password go together' });
  }
}

export const proxySection = section({
  ...credentials,
  // distribution 3 runs a credential helper; Wharf takes credentials from the file only.
  exec: unsupported('credential helpers are not supported by Wharf; set proxy.username and proxy.password'),
}).superRefine(requirePairs);

export const mirrorsSection = list(
  section({
    /** The upstream's registry host as clients name it: `docker.io`, `ghcr.io`, `quay.io`. */
    host: text().refine((h) => HOST_COMPONENT.test(h), {
      message: 'expected a registry host name in lower case without port or scheme, such as ghcr.io',
    }),
    ...credentials,
  }).superRefine(requirePairs),
).superRefine((mirrors, ctx) => {
  const seen = new Set<string>();
  mirrors.forEach((m, index) => {
    if (seen.has(m.host)) ctx.addIssue({ code: 'custom', path: [index, 'host'], message: `${m.host} is listed twice` });
    seen.add(m.host);
  });
});

export function toUpstreamConfig(
  host: string,
  raw: { remoteurl: string; username?: string | undefined; password?: string | undefined; ttl?: number | undefined },
): UpstreamConfig {
  return {
    host,
    remoteUrl: raw.remoteurl.replace(/\/+$/, ''),
    ...(raw.username === undefined ? {} : { username: raw.username }),
    ...(raw.password === undefined ? {} : { password: raw.password }),
    ttlMs: raw.ttl ?? DEFAULT_PROXY_TTL_MS,
  };
}
