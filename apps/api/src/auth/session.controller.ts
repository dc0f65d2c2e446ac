import { Body, Controller, Delete, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ApiError } from '../http/api-error.js';
import { parseRequest } from '../http/parse-request.js';
import { ApiAuthenticator, AuthenticationError } from './api-authenticator.js';
import { ApiIdentities, type ApiRole } from './api-identities.js';
import { parseAuthorization } from './authorization-header.js';
import { PublicRoute } from './public-route.decorator.js';
import { SessionTokens } from './session-tokens.js';
import { schemaRef } from '../http/openapi.schemas.js';

const signIn = z.strictObject({
  username: z.string({ error: 'username is required' }).min(1, 'username is required').max(256),
  password: z.string({ error: 'password is required' }).max(1024),
});

export interface SessionState {
  authRequired: boolean;
  authenticated: boolean;
  user: string | null;
  role: ApiRole | null;
}

/** Sign-in for the dashboard and scripts: GET, POST and DELETE /api/session (all public). */
@ApiTags('session')
@PublicRoute()
@Controller('session')
export class SessionController {
  constructor(
    private readonly authenticator: ApiAuthenticator,
    private readonly identities: ApiIdentities,
    private readonly tokens: SessionTokens,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Who the caller is: whether the API needs sign-in, and the signed-in user and role' })
  @ApiOkResponse({
    description: 'Without a users file the API is open: authRequired false, role admin. Credentials that do not hold read as not signed in.',
    schema: { ...schemaRef('Session'), example: { authRequired: true, authenticated: true, user: 'alice', role: 'admin' } },
  })
  async state(@Req() request: FastifyRequest): Promise<SessionState> {
    if (!this.authenticator.authRequired) return { authRequired: false, authenticated: false, user: null, role: 'admin' };
    try {
      const principal = await this.authenticator.authenticate(request);
      if (principal !== undefined) return { authRequired: true, authenticated: true, user: principal.user, role: principal.role };
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
    }
    return { authRequired: true, authenticated: false, user: null, role: null };
  }

  @Post()
  @ApiOperation({ summary: 'Sign in with a registry user (htpasswd); returns a session token for "Authorization: Bearer"' })
  @ApiBody({ schema: { type: 'object', required: ['username', 'password'], properties: { username: { type: 'string' }, password: { type: 'string', format: 'password' } } } })
  @ApiResponse({ status: 201, description: '{token, expiresAt, user, role}', schema: { ...schemaRef('SignedIn'), example: { token: 'eyJ…', expiresAt: '2025-06-01T12:00:00.000Z', user: 'alice', role: 'reader' } } })
  @ApiResponse({ status: 400, description: 'No username or password, or the API has no users to sign in (it is open).' })
  @ApiResponse({ status: 401, description: 'Wrong user name or password.' })
  @ApiResponse({ status: 429, description: 'Too many failed sign-ins from this address; Retry-After says when to try again.' })
  async signIn(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body() body: unknown) {
    const { username, password } = parseRequest(signIn, body);
    if (!this.authenticator.authRequired) {
      throw new ApiError('INVALID_REQUEST', 'this API has no users file (auth.htpasswd.path or tokenserver.htpasswd): it is open, no sign-in needed');
    }
    await this.authenticator.checkPassword(request, username, password);
    void reply.status(201);
    return { ...(await this.tokens.issue(username)), user: username, role: this.identities.roleOf(username) };
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out: the Bearer token sent is no longer accepted' })
  @ApiNoContentResponse({ description: 'Signed out (also when there was no session).' })
  async signOut(@Req() request: FastifyRequest): Promise<void> {
    const presented = parseAuthorization(request.headers.authorization);
    if (presented.kind === 'bearer') await this.tokens.revoke(presented.token);
  }
}
