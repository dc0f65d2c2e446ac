import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { Passport } from 'passport';
import { BasicStrategy } from 'passport-http';
import type { AccessPolicy, FailedLoginLimiter, HtpasswdStore } from '@wharf/auth';
import { basicChallenge, denied, tooManyFailures } from './auth-challenge.js';
import { basicCredentials } from './basic-credentials.js';
import type { AuthDecision, RegistryAuthenticator } from './registry-authenticator.js';
import type { RequiredAccess } from './required-access.js';

/**
 * `auth.htpasswd`: HTTP Basic credentials checked against the htpasswd file (passport-http's
 * BasicStrategy), then the access policy. No credentials is the `anonymous` principal; wrong ones
 * are refused even where anonymous access would be allowed, so a client learns its password is wrong.
 */
export class HtpasswdAuthenticator implements RegistryAuthenticator {
  private readonly passport = new Passport();

  constructor(
    private readonly realm: string,
    private readonly store: HtpasswdStore,
    private readonly policy: AccessPolicy,
    private readonly limiter: FailedLoginLimiter,
  ) {
    this.passport.use(
      new BasicStrategy({ realm, passReqToCallback: true }, (req, _user, _password, done) => {
        // passport-http's own split loses everything after a second colon; use the strict parse.
        const credentials = basicCredentials((req as unknown as IncomingMessage).headers.authorization);
        if (credentials === undefined) return done(null, false);
        store.verify(credentials.user, credentials.password).then(
          (ok) => done(null, ok ? credentials.user : false),
          (error: unknown) => done(error),
        );
      }),
    );
  }

  async authorize(req: FastifyRequest, access: RequiredAccess): Promise<AuthDecision> {
    const user = req.headers.authorization === undefined ? undefined : await this.signIn(req, access);
    const decision: AuthDecision = {
      ...(user === undefined ? {} : { user }),
      mayMountFrom: (source) => (source === null ? this.policy.isAdmin(user) : this.policy.allows(user, source, 'pull')),
    };
    if (this.allowed(user, access)) return decision;
    throw user === undefined ? basicChallenge(this.realm, access) : denied(access);
  }

  close(): void {
    this.store.close();
  }

  private allowed(user: string | undefined, access: RequiredAccess): boolean {
    switch (access.kind) {
      case 'base':
      case 'unknown':
        return user !== undefined;
      case 'catalog':
        return this.policy.canListCatalog(user);
      case 'repository':
        return access.actions.every((action) => this.policy.allows(user, access.name, action));
    }
  }

  private async signIn(req: FastifyRequest, access: RequiredAccess): Promise<string> {
    const client = req.ip;
    const wait = this.limiter.check(client);
    if (wait !== undefined) throw tooManyFailures(wait);
    const credentials = basicCredentials(req.headers.authorization);
    // A malformed header cannot guess a password: refused, but not counted as a failed sign-in.
    if (credentials === undefined) throw basicChallenge(this.realm, access);
    const user = await new Promise<string | undefined>((resolve, reject) => {
      const authenticate = this.passport.authenticate('basic', { session: false }, (error: unknown, found: string | false) =>
        error ? reject(error) : resolve(found || undefined),
      );
      authenticate(req.raw, {}, reject);
    });
    if (user === undefined) {
      this.limiter.recordFailure(client);
      throw basicChallenge(this.realm, access);
    }
    return user;
  }
}
