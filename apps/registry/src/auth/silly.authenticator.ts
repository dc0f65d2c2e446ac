import type { FastifyRequest } from 'fastify';
import { RegistryError } from '@wharf/registry-core';
import { accessDetail } from './auth-challenge.js';
import type { AuthDecision, RegistryAuthenticator } from './registry-authenticator.js';
import type { RequiredAccess } from './required-access.js';

/**
 * `auth.silly`, for development, as registry:2's: any Authorization header is accepted; without
 * one the client gets a Bearer challenge for the scope it needs. The actor is "silly".
 */
export class SillyAuthenticator implements RegistryAuthenticator {
  constructor(
    private readonly realm: string,
    private readonly service: string,
  ) {}

  async authorize(req: FastifyRequest, access: RequiredAccess): Promise<AuthDecision> {
    if (!req.headers.authorization) throw this.challenge(access);
    return { user: 'silly', mayMountFrom: () => true };
  }

  close(): void {}

  /** registry:2's silly challenge names one scope per action, space-separated. */
  private challenge(access: RequiredAccess): RegistryError {
    let header = `Bearer realm=${JSON.stringify(this.realm)},service=${JSON.stringify(this.service)}`;
    const scopes =
      access.kind === 'repository' ? access.actions.map((a) => `repository:${access.name}:${a}`) : access.kind === 'catalog' ? ['registry:catalog:*'] : [];
    if (scopes.length > 0) header += `,scope="${scopes.join(' ')}"`;
    return new RegistryError('UNAUTHORIZED', accessDetail(access), { headers: { 'WWW-Authenticate': header } });
  }
}
