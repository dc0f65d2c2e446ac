import { ForbiddenException, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiAuthenticator, AuthenticationError } from './api-authenticator.js';
import { setPrincipal } from './api-principal.js';
import { PUBLIC_ROUTE } from './public-route.decorator.js';

const READS = new Set(['GET', 'HEAD']);
export const CHALLENGE = 'Bearer realm="wharf-api"';

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
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    let principal;
    try {
      principal = await this.authenticator.authenticate(request);
    } catch (error) {
      if (error instanceof AuthenticationError) {
        if (error.retryAfterSeconds !== undefined) void reply.header('retry-after', String(error.retryAfterSeconds));
        else void reply.header('www-authenticate', CHALLENGE);
      }
      throw error;
    }
    if (principal === undefined) {
      void reply.header('www-authenticate', CHALLENGE);
      throw new AuthenticationError(401, 'sign in: POST /api/session for a token, then send "Authorization: Bearer <token>" (or HTTP Basic credentials)');
    }
    setPrincipal(request, principal);
    if (!READS.has(request.method) && principal.role !== 'admin') {
      throw new ForbiddenException({ statusCode: 403, error: 'Forbidden', message: `${principal.user ?? 'this user'} may read but not change anything: an admin role is needed` });
    }
    return true;
  }
}
