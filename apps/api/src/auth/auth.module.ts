import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiAuthGuard } from './api-auth.guard.js';
import { ApiAuthenticator } from './api-authenticator.js';
import { ApiIdentities } from './api-identities.js';
import { SessionController } from './session.controller.js';
import { SessionTokens } from './session-tokens.js';

/** Sign-in and the one global guard: reads for signed-in users, changes for admins. */
@Module({
  controllers: [SessionController],
  providers: [ApiIdentities, SessionTokens, ApiAuthenticator, { provide: APP_GUARD, useClass: ApiAuthGuard }],
})
export class AuthModule {}
