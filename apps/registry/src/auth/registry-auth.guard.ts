import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { REGISTRY_AUTHENTICATOR } from '../registry.tokens.js';
import type { RegistryAuthenticator } from './registry-authenticator.js';
import { setAuthenticatedUser } from './request-identity.js';
import { requiredAccess } from './required-access.js';

/**
 * Runs before every registry route (and before any body is read): works out what the request
 * needs, asks the configured scheme, and records the user for the event's actor.
 */
@Injectable()
export class RegistryAuthGuard implements CanActivate {
  constructor(@Inject(REGISTRY_AUTHENTICATOR) private readonly authenticator: RegistryAuthenticator | null) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.authenticator === null) return true;
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const query = (req.query ?? {}) as Record<string, unknown>;
    const access = requiredAccess(req.method, req.routeOptions.url, (req.params ?? {}) as Record<string, string | undefined>, query);
    const decision = await this.authenticator.authorize(req, access);
    if (decision.user !== undefined) setAuthenticatedUser(req.raw, decision.user);
    if (access.kind === 'repository' && access.mountFrom !== undefined && !decision.mayMountFrom(access.mountFrom)) {
      // A mount from a repository the client may not read becomes a plain upload (the spec lets a
      // registry decline a mount with 202), so the mount cannot reveal what another repository holds.
      delete query.mount;
      delete query.from;
    }
    return true;
  }
}
