import type { SwiftStorageConfig } from '@wharf/config';

/*
 * Swift authentication as registry:2's driver (ncw/swift) performs it: v1 (tempauth, swauth and
 * the like: a GET with X-Auth-User/X-Auth-Key), v2 and v3 Keystone (a POST of the password, the
 * storage URL picked from the service catalog). Pure request building and response reading, so the
 * rules are unit-tested without a Keystone; swift.client.ts does the I/O.
 */

/** What authentication needs from `storage.swift`. */
export type SwiftCredentials = Pick<
  SwiftStorageConfig,
  | 'authUrl'
  | 'authVersion'
  | 'username'
  | 'password'
  | 'tenant'
  | 'tenantId'
  | 'domain'
  | 'domainId'
  | 'tenantDomain'
  | 'tenantDomainId'
  | 'trustId'
  | 'region'
  | 'endpointType'
>;

export interface AuthRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** What a successful authentication yields. */
export interface SwiftSession {
  token: string;
  /** The account's URL, e.g. http://host:8080/v1/AUTH_account (no trailing slash). */
  storageUrl: string;
  /** When to authenticate again (ms since the epoch); undefined when the server did not say. */
  expiresAt: number | undefined;
}

/** Authentication failed: wrong credentials, a catalog without Swift, or an auth service that is down. */
export class SwiftAuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SwiftAuthError';
  }
}

export function authRequest(c: SwiftCredentials): AuthRequest {
  if (c.authVersion === 1) {
    return { method: 'GET', url: c.authUrl, headers: { 'x-auth-user': c.username, 'x-auth-key': c.password } };
  }
  const json = { 'content-type': 'application/json', accept: 'application/json' };
  if (c.authVersion === 2) {
    const auth: Record<string, unknown> = { passwordCredentials: { username: c.username, password: c.password } };
    if (c.tenant) auth['tenantName'] = c.tenant;
    if (c.tenantId) auth['tenantId'] = c.tenantId;
    return { method: 'POST', url: joinUrl(c.authUrl, 'tokens'), headers: json, body: JSON.stringify({ auth }) };
  }
  const user: Record<string, unknown> = { name: c.username, password: c.password };
  const userDomain = domainRef(c.domain, c.domainId);
  if (userDomain) user['domain'] = userDomain;
  const auth: Record<string, unknown> = { identity: { methods: ['password'], password: { user } } };
  // A trust wins over a project, as in ncw/swift; a project named without a domain is looked up
  // in the tenant's domain, else the user's, else "Default".
  if (c.trustId) {
    auth['scope'] = { 'OS-TRUST:trust': { id: c.trustId } };
  } else if (c.tenantId) {
    auth['scope'] = { project: { id: c.tenantId } };
  } else if (c.tenant) {
    const domain = domainRef(c.tenantDomain, c.tenantDomainId) ?? userDomain ?? { name: 'Default' };
    auth['scope'] = { project: { name: c.tenant, domain } };
  }
  return { method: 'POST', url: joinUrl(c.authUrl, 'auth/tokens'), headers: json, body: JSON.stringify({ auth }) };
}

/** Reads the auth service's answer; throws SwiftAuthError naming what went wrong. */
export function authResult(
  c: SwiftCredentials,
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: unknown,
  now = Date.now(),
): SwiftSession {
  const who = `user ${c.username} at ${c.authUrl}`;
  if (status === 401 || status === 403) {
    throw new SwiftAuthError(`swift authentication failed for ${who}: wrong username or password (HTTP ${status})`);
  }
  if (status < 200 || status > 299) throw new SwiftAuthError(`swift authentication failed for ${who}: HTTP ${status}`);
  let session: SwiftSession;
  if (c.authVersion === 1) {
    const token = header(headers, 'x-auth-token') ?? header(headers, 'x-storage-token');
    const storageUrl = header(headers, 'x-storage-url');
    if (!token || !storageUrl) throw new SwiftAuthError(`swift authentication for ${who} returned no token or storage URL`);
    const ttl = Number(header(headers, 'x-auth-token-expires'));
    session = { token, storageUrl, expiresAt: Number.isFinite(ttl) && ttl > 0 ? now + ttl * 1000 : undefined };
  } else if (c.authVersion === 2) {
    const access = (body as V2Response | undefined)?.access;
    const token = access?.token?.id;
    if (!token) throw new SwiftAuthError(`keystone v2 answered ${who} without a token`);
    const key = ({ public: 'publicURL', internal: 'internalURL', admin: 'adminURL' } as const)[c.endpointType];
    const endpoint = objectStores(access?.serviceCatalog)
      .flatMap((service) => service.endpoints ?? [])
      .find((e) => regionMatches(c.region, e.region) && e[key]);
    session = { token, storageUrl: endpoint?.[key] ?? '', expiresAt: parseTime(access?.token?.expires) };
  } else {
    const token = header(headers, 'x-subject-token');
    if (!token) throw new SwiftAuthError(`keystone v3 answered ${who} without X-Subject-Token`);
    const answer = (body as V3Response | undefined)?.token;
    const endpoint = objectStores(answer?.catalog)
      .flatMap((service) => service.endpoints ?? [])
      .find((e) => e.interface === c.endpointType && (regionMatches(c.region, e.region) || regionMatches(c.region, e.region_id)) && e.url);
    session = { token, storageUrl: endpoint?.url ?? '', expiresAt: parseTime(answer?.expires_at) };
  }
  if (!session.storageUrl) {
    const where = `${c.endpointType} endpoint${c.region ? ` in region ${c.region}` : ''}`;
    throw new SwiftAuthError(`the keystone catalog for ${who} has no object-store ${where}`);
  }
  return { ...session, storageUrl: session.storageUrl.replace(/\/+$/, '') };
}

interface V2Endpoint {
  region?: string;
  publicURL?: string;
  internalURL?: string;
  adminURL?: string;
}
interface V2Response {
  access?: {
    token?: { id?: string; expires?: string };
    serviceCatalog?: { type?: string; endpoints?: V2Endpoint[] }[];
  };
}
interface V3Endpoint {
  interface?: string;
  region?: string;
  region_id?: string;
  url?: string;
}
interface V3Response {
  token?: { expires_at?: string; catalog?: { type?: string; endpoints?: V3Endpoint[] }[] };
}

function objectStores<T extends { type?: string }>(catalog: T[] | undefined): T[] {
  return Array.isArray(catalog) ? catalog.filter((service) => service.type === 'object-store') : [];
}

/** No region configured: the first endpoint of the right kind, whatever its region. */
function regionMatches(wanted: string | undefined, actual: string | undefined): boolean {
  return !wanted || wanted === actual;
}

function domainRef(name: string | undefined, id: string | undefined): { name: string } | { id: string } | undefined {
  if (name) return { name };
  if (id) return { id };
  return undefined;
}

function joinUrl(base: string, path: string): string {
  return base.endsWith('/') ? base + path : `${base}/${path}`;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
