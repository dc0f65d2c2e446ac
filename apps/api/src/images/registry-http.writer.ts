import { isIP } from 'node:net';
import { ERROR_CODES, RegistryError, type EventContext, type ErrorCode, type ManifestReference, type RegistryWriter } from '@wharf/registry-core';
import { ApiError } from '../http/api-error.js';
import type { RegistryCredentials } from './registry-credentials.js';

// A delete is a few storage operations; a registry that has not answered by then is not coming.
const TIMEOUT_MS = 30_000;

/**
 * Writes through the registry's `/v2` API, for an api role that does not host the registry in its
 * own process. The registry does the write and emits the event from its own spool, as for any
 * client: it authorizes the user the credentials name (its `actor.name`), takes `X-Request-Id` as
 * the event's `request.id`, and believes `X-Forwarded-For` (the user's address) only when the API's
 * address is one of its `http.trustedproxies`.
 */
export class RegistryHttpWriter implements RegistryWriter {
  constructor(
    /** The registry's base URL, ending in '/' (registryApiUrl). */
    private readonly baseUrl: string,
    private readonly credentials: RegistryCredentials,
  ) {}

  async delete(name: string, reference: ManifestReference, ctx: EventContext): Promise<void> {
    const url = `${this.baseUrl}v2/${name}/manifests/${reference.kind === 'tag' ? reference.tag : reference.digest.value}`;
    const headers: Record<string, string> = { 'x-request-id': ctx.request.id };
    if (ctx.request.useragent !== '') headers['user-agent'] = ctx.request.useragent;
    const client = clientAddress(ctx.request.addr);
    if (client !== undefined) headers['x-forwarded-for'] = client;
    const authorization = await this.credentials.authorization(ctx.actor.name, name);
    if (authorization !== undefined) headers['authorization'] = authorization;

    let response: Response;
    try {
      response = await fetch(url, { method: 'DELETE', headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
      throw new ApiError('REGISTRY_UNAVAILABLE', `the registry at ${this.baseUrl} does not answer (${cause}); the delete was not made`);
    }
    const body = await response.text();
    if (response.ok) return;
    throw registryFailure(response.status, body, this.baseUrl);
  }
}

/**
 * The registry's OCI error as registry-core's RegistryError, so the API answers as it does in the
 * registry's process (404 MANIFEST_UNKNOWN, 405 UNSUPPORTED, 403 DENIED …). A 401 means the registry
 * did not take what the API sent for its user: a setup fault, not the user's.
 */
function registryFailure(status: number, body: string, baseUrl: string): Error {
  const first = firstError(body);
  if (status === 401) {
    return new ApiError('REGISTRY_REFUSED', `the registry at ${baseUrl} refused the API's credentials (${first?.message ?? 'HTTP 401'}): does auth.token trust tokenserver.certificate?`);
  }
  if (first !== undefined && first.code in ERROR_CODES) {
    return new RegistryError(first.code as ErrorCode, first.detail, { status, message: first.message });
  }
  return new ApiError(status >= 500 ? 'REGISTRY_UNAVAILABLE' : 'REGISTRY_REFUSED', `the registry at ${baseUrl} answered HTTP ${status} to the delete`);
}

function firstError(body: string): { code: string; message: string; detail?: unknown } | undefined {
  try {
    const first = (JSON.parse(body) as { errors?: unknown[] }).errors?.[0] as { code?: unknown; message?: unknown; detail?: unknown } | undefined;
    if (typeof first?.code !== 'string') return undefined;
    return { code: first.code, message: typeof first.message === 'string' ? first.message : first.code, detail: first.detail };
  } catch {
    return undefined;
  }
}

/** The user's address from the event context's `ip:port` (or a bare forwarded IP). */
function clientAddress(addr: string): string | undefined {
  if (isIP(addr) !== 0) return addr;
  const colon = addr.lastIndexOf(':');
  const ip = colon === -1 ? addr : addr.slice(0, colon);
  return isIP(ip) !== 0 ? ip : undefined;
}
