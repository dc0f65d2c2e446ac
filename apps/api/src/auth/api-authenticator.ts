import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../http/api-error.js';
import { ApiIdentities } from './api-identities.js';
import type { ApiPrincipal } from './api-principal.js';
import { parseAuthorization } from './authorization-header.js';
import { InvalidSessionError, SessionTokens } from './session-tokens.js';

const CHALLENGE = 'Bearer realm="wharf-api"';

/** A refused sign-in: 401 with the API's challenge, or 429 with Retry-After once the address failed too often. */
export class AuthenticationError extends ApiError {
  constructor(message: string, retryAfterSeconds?: number) {
    super(
      retryAfterSeconds === undefined ? 'UNAUTHORIZED' : 'TOO_MANY_REQUESTS',
      message,
      {},
      retryAfterSeconds === undefined ? { 'www-authenticate': CHALLENGE } : { 'retry-after': String(retryAfterSeconds) },
    );
  }
}

/** Who a request is, from its Bearer session token or its Basic credentials. */
@Injectable()
export class ApiAuthenticator {
  constructor(
    private readonly identities: ApiIdentities,
    private readonly tokens: SessionTokens,
  ) {}

  get authRequired(): boolean {
    return this.identities.authRequired;
  }

  /** undefined without credentials; AuthenticationError for credentials that do not hold. */
  async authenticate(request: FastifyRequest): Promise<ApiPrincipal | undefined> {
    if (!this.identities.authRequired) return { user: null, role: 'admin' };
    const presented = parseAuthorization(request.headers.authorization);
    switch (presented.kind) {
      case 'none':
        return undefined;
      case 'malformed':
        throw new AuthenticationError(presented.reason);
      case 'bearer':
        try {
          const user = await this.tokens.verify(presented.token);
          return { user, role: this.identities.roleOf(user) };
        } catch (error) {
          if (error instanceof InvalidSessionError) throw new AuthenticationError(error.message);
          throw error;
        }
      case 'basic':
        await this.checkPassword(request, presented.user, presented.password);
        return { user: presented.user, role: this.identities.roleOf(presented.user) };
    }
  }

  /** Verifies a password under the failed-login limit of the client's address. */
  async checkPassword(request: FastifyRequest, user: string, password: string): Promise<void> {
    const client = request.ip;
    const wait = this.identities.limiter.check(client);
    if (wait !== undefined) throw new AuthenticationError(`too many failed sign-ins: try again in ${wait} s`, wait);
    if (await this.identities.verify(user, password)) return;
    this.identities.limiter.recordFailure(client);
    throw new AuthenticationError('wrong user name or password');
  }
}
