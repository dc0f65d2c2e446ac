import type { FastifyRequest } from 'fastify';
import type { RequiredAccess } from './required-access.js';

/** What an authenticator decided for a request it allowed. */
export interface AuthDecision {
  /** The authenticated user; undefined for an anonymous request an ACL allows. */
  user?: string;
  /** Whether a mount may read its source (else the request continues as a plain upload). */
  mayMountFrom(source: string | null): boolean;
}

/**
 * One configured auth scheme. Allows a request (resolving to a decision) or refuses it by
 * throwing a RegistryError that carries the challenge (401) or the refusal (403, 429).
 */
export interface RegistryAuthenticator {
  authorize(req: FastifyRequest, access: RequiredAccess): Promise<AuthDecision>;
  close(): void;
}
