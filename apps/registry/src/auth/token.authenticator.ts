import type { FastifyRequest } from 'fastify';
import { grantsCatalog, grantsRepository, InvalidTokenError, type TokenAccess, type TokenVerifier } from '@wharf/auth';
import { bearerChallenge } from './auth-challenge.js';
import type { AuthDecision, RegistryAuthenticator } from './registry-authenticator.js';
import type { RequiredAccess } from './required-access.js';

/**
 * `auth.token`: bearer tokens as the Docker token spec and distribution define them. Every refusal
 * is a 401 Bearer challenge naming the scope needed; as distribution, `error="invalid_token"` when a
 * token was sent but is not valid and `error="insufficient_scope"` when it lacks the access.
 */
export class TokenAuthenticator implements RegistryAuthenticator {
  constructor(
    private readonly configuredRealm: string,
    private readonly service: string,
    private readonly verifier: TokenVerifier,
    /** auth.token.autoredirect: the realm is this registry's own host with autoredirectpath. */
    private readonly autoRedirectPath?: string,
  ) {}

  async authorize(req: FastifyRequest, access: RequiredAccess): Promise<AuthDecision> {
    const challenge = (error?: 'invalid_token' | 'insufficient_scope') => bearerChallenge(this.realmFor(req), this.service, access, error);
    const header = req.headers.authorization;
    const bearer = header === undefined ? undefined : /^Bearer +([A-Za-z0-9\-_.~+/]+=*)$/i.exec(header);
    if (!bearer) {
      // A Bearer header that is not a token is an invalid token; no Bearer header asks for one.
      const invalid = header !== undefined && /^bearer\b/i.test(header);
      throw challenge(invalid ? 'invalid_token' : undefined);
    }
    let granted: TokenAccess[];
    let user: string | undefined;
    try {
      const token = await this.verifier.verify(bearer[1]!);
      granted = token.access;
      user = token.subject;
    } catch (error) {
      if (error instanceof InvalidTokenError) throw challenge('invalid_token');
      throw error;
    }
    if (!covers(granted, access)) throw challenge('insufficient_scope');
    return {
      ...(user === undefined ? {} : { user }),
      // `?mount=` without `from` may read any repository: only a catalog-level token may.
      mayMountFrom: (source) => (source === null ? grantsCatalog(granted) : grantsRepository(granted, source, 'pull')),
    };
  }

  close(): void {}

  /**
   * As distribution's autoredirect: the request's Host and X-Forwarded-Proto. Without that header
   * Wharf uses the connection's own scheme (distribution assumes https), so plain-HTTP setups work.
   */
  private realmFor(req: FastifyRequest): string {
    if (this.autoRedirectPath === undefined) return this.configuredRealm;
    const forwarded = String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]!.trim().toLowerCase();
    const scheme = forwarded === 'http' || forwarded === 'https' ? forwarded : req.protocol;
    return `${scheme}://${req.headers.host ?? ''}${this.autoRedirectPath}`;
  }
}

function covers(granted: TokenAccess[], access: RequiredAccess): boolean {
  switch (access.kind) {
    case 'base':
    case 'unknown':
      return true;
    case 'catalog':
      return grantsCatalog(granted);
    case 'repository':
      return access.actions.every((action) => grantsRepository(granted, access.name, action));
  }
}
