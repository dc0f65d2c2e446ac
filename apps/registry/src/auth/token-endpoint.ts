import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { grantedAccess, InvalidRefreshTokenError, parseScopes, type AccessPolicy, type FailedLoginLimiter, type HtpasswdStore, type TokenIssuer } from '@wharf/auth';
import type { TokenServerConfig } from '@wharf/config';
import type { Logger } from '@wharf/observability';
import { RegistryError } from '@wharf/registry-core';
import { tooManyFailures } from './auth-challenge.js';
import { basicCredentials } from './basic-credentials.js';

const MAX_FORM_BYTES = 64 * 1024;

interface TokenRequest {
  service: string | undefined;
  scopes: string[];
  credentials: { user: string; password: string } | undefined;
  /** grant_type=refresh_token: the client's refresh token instead of a password. */
  refreshToken?: string;
  /** offline_token=true (GET) or access_type=offline (POST): the client wants a refresh token too. */
  offline: boolean;
}

/**
 * Wharf's Docker token server (`tokenserver:`): GET `<path>?service=…&scope=…` with optional Basic
 * credentials, as docker login and pull use it, and the OAuth2 POST form (grant_type=password or
 * refresh_token). Offline requests also get a refresh token, which docker keeps instead of the password.
 * Tokens grant the requested scopes intersected with the access list; no credentials means the
 * anonymous principal; wrong credentials are a 401, repeated ones a 429.
 */
export class TokenEndpoint {
  constructor(
    private readonly config: TokenServerConfig,
    /** auth.token.service when the registry itself verifies these tokens; else any service is served. */
    private readonly service: string | undefined,
    private readonly store: HtpasswdStore,
    private readonly policy: AccessPolicy,
    private readonly issuer: TokenIssuer,
    private readonly limiter: FailedLoginLimiter,
    private readonly logger: Logger,
  ) {}

  register(fastify: FastifyInstance): void {
    fastify.get(this.config.path, (req, reply) => this.answer(req, reply, () => this.fromQuery(req)));
    fastify.post(this.config.path, (req, reply) => this.answer(req, reply, () => this.fromForm(req)));
  }

  close(): void {
    this.store.close();
  }

  private async answer(req: FastifyRequest, reply: FastifyReply, parse: () => Promise<TokenRequest>): Promise<void> {
    try {
      const request = await parse();
      if (request.service === undefined || request.service === '') throw new RegistryError('UNSUPPORTED', 'the service parameter is required', { status: 400 });
      if (this.service !== undefined && request.service !== this.service) {
        throw new RegistryError('DENIED', `this token server does not issue tokens for service "${printable(request.service)}"`, { status: 400 });
      }
      const { scopes, invalid } = parseScopes(request.scopes);
      if (invalid.length > 0) throw new RegistryError('UNSUPPORTED', `invalid scope: ${printable(invalid[0]!)}`, { status: 400 });
      const user =
        request.credentials !== undefined
          ? await this.signIn(req, request.credentials)
          : request.refreshToken !== undefined
            ? await this.refreshSignIn(request.refreshToken)
            : undefined;
      const issued = await this.issuer.issue(user, request.service, grantedAccess(this.policy, user, scopes));
      const body: Record<string, unknown> = { token: issued.token, access_token: issued.token, expires_in: issued.expiresIn, issued_at: issued.issuedAt };
      if (request.offline && request.credentials !== undefined && user !== undefined && this.config.refreshExpirationMs > 0) {
        const binding = await this.store.credentialVersion(user);
        if (binding !== undefined) body.refresh_token = await this.issuer.issueRefreshToken(user, binding, this.config.refreshExpirationMs);
      }
      reply
        .status(200)
        .headers({ 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' })
        .send(JSON.stringify(body));
    } catch (error) {
      const failure = error instanceof RegistryError ? error : new RegistryError('UNKNOWN');
      if (!(error instanceof RegistryError)) this.logger.error({ reqId: req.id, err: error }, 'token endpoint failed');
      reply.status(failure.status).headers(failure.headers).header('Content-Type', 'application/json; charset=utf-8').send(JSON.stringify({ errors: [failure.toJSON()] }));
    }
  }

  private async signIn(req: FastifyRequest, credentials: { user: string; password: string }): Promise<string> {
    const wait = this.limiter.check(req.ip);
    if (wait !== undefined) throw tooManyFailures(wait);
    if (await this.store.verify(credentials.user, credentials.password)) return credentials.user;
    this.limiter.recordFailure(req.ip);
    throw new RegistryError('UNAUTHORIZED', 'incorrect username or password', {
      headers: { 'WWW-Authenticate': `Basic realm="${this.config.issuer.replace(/["\\]/g, '')}"` },
    });
  }

  /** The user of a refresh token, as long as their htpasswd entry is the one it was issued for. */
  private async refreshSignIn(refreshToken: string): Promise<string> {
    try {
      const { subject, binding } = await this.issuer.verifyRefreshToken(refreshToken);
      if ((await this.store.credentialVersion(subject)) === binding) return subject;
    } catch (error) {
      if (!(error instanceof InvalidRefreshTokenError)) throw error;
    }
    throw new RegistryError('UNAUTHORIZED', 'the refresh token is not valid; sign in again');
  }

  private async fromQuery(req: FastifyRequest): Promise<TokenRequest> {
    const query = (req.query ?? {}) as Record<string, string | string[] | undefined>;
    const header = req.headers.authorization;
    const credentials = basicCredentials(header);
    if (header !== undefined && credentials === undefined) {
      throw new RegistryError('UNAUTHORIZED', 'malformed Authorization header', { headers: { 'WWW-Authenticate': `Basic realm="${this.config.issuer.replace(/["\\]/g, '')}"` } });
    }
    return { service: first(query.service), scopes: all(query.scope), credentials, offline: first(query.offline_token) === 'true' };
  }

  private async fromForm(req: FastifyRequest): Promise<TokenRequest> {
    const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      throw new RegistryError('UNSUPPORTED', 'expected an application/x-www-form-urlencoded body', { status: 400 });
    }
    const form = new URLSearchParams(await readBody(req));
    const grant = form.get('grant_type');
    const common = { service: form.get('service') ?? undefined, scopes: form.getAll('scope'), offline: form.get('access_type') === 'offline' };
    if (grant === 'refresh_token') {
      const refreshToken = form.get('refresh_token') ?? '';
      if (refreshToken === '') throw new RegistryError('UNAUTHORIZED', 'refresh_token is required');
      return { ...common, credentials: undefined, refreshToken };
    }
    if (grant !== 'password') {
      throw new RegistryError('UNSUPPORTED', `unsupported grant_type "${printable(grant ?? '')}"; use password or refresh_token`, { status: 400 });
    }
    const user = form.get('username') ?? '';
    const password = form.get('password') ?? '';
    if (user === '' || password === '') throw new RegistryError('UNAUTHORIZED', 'username and password are required');
    return { ...common, credentials: { user, password } };
  }
}

async function readBody(req: FastifyRequest): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new RegistryError('SIZE_INVALID', 'the form is too large', { status: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function all(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Echoed input, cut short and without control characters. */
function printable(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 200);
}
