import type { FastifyRequest } from 'fastify';
import type { ApiRole } from './api-identities.js';

/** Who is calling: a signed-in user, or nobody (an open API, where everyone is an admin). */
export interface ApiPrincipal {
  user: string | null;
  role: ApiRole;
}

const principals = new WeakMap<object, ApiPrincipal>();

export function setPrincipal(request: FastifyRequest, principal: ApiPrincipal): void {
  principals.set(request.raw, principal);
}

/** Set by ApiAuthGuard for every guarded route. */
export function principalOf(request: FastifyRequest): ApiPrincipal | undefined {
  return principals.get(request.raw);
}
