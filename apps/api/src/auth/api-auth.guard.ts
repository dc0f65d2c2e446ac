import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../http/api-error.js';
import { ApiAuthenticator, AuthenticationError } from './api-authenticator.js';
import { setPrincipal } from './api-principal.js';
import { PUBLIC_ROUTE } from './public-route.decorator.js';

const READS = new Set(['GET', 'HEAD']);

/**
 * The API's one access rule: reads (GET, HEAD) for any signed-in user, everything else for
 * admins only (403), no credentials or bad ones 401. Session routes are public; the OpenAPI
 * document and docs are served outside Nest's routing and stay public too.
 */
@Injectable()
export class ApiAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: ApiAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = await this.authenticator.authenticate(request);
    if (principal === undefined) {
      throw new AuthenticationError('sign in: POST /api/session for a token, then send "Authorization: Bearer <token>" (or HTTP Basic credentials)');
    }
    setPrincipal(request, principal);
    if (!READS.has(request.method) && principal.role !== 'admin') {
      throw new ApiError('FORBIDDEN', `${principal.user ?? 'this user'} may read but not change anything: an admin role is needed`);
    }
    return true;
  }
}
