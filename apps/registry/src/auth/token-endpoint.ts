import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { grantedAccess, parseScopes, type AccessPolicy, type FailedLoginLimiter, type HtpasswdStore, type TokenIssuer } from '@wharf/auth';
import type { TokenServerConfig } from '@wharf/config';
import { RegistryError } from '@wharf/registry-core';
import { tooManyFailures } from './auth-challenge.js';
import { basicCredentials } from './basic-credentials.js';

const MAX_FORM_BYTES = 64 * 1024;

interface TokenRequest {
  service: string | undefined;
  scopes: string[];
  credentials: { user: string; password: string } | undefined;
}

/**
 * Wharf's Docker token server (`tokenserver:`): GET `<path>?service=…&scope=…` with optional Basic
 * credentials, as docker login and pull use it, and the OAuth2 POST form (grant_type=password).
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
      const user = request.credentials === undefined ? undefined : await this.signIn(req, request.credentials);
      const issued = await this.issuer.issue(user, request.service, grantedAccess(this.policy, user, scopes));
      reply
        .status(200)
        .headers({ 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' })
        .send(JSON.stringify({ token: issued.token, access_token: issued.token, expires_in: issued.expiresIn, issued_at: issued.issuedAt }));
    } catch (error) {
      const failure = error instanceof RegistryError ? error : new RegistryError('UNKNOWN');
      if (!(error instanceof RegistryError)) req.log?.error?.({ err: error }, 'token endpoint failed');
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

  private async fromQuery(req: FastifyRequest): Promise<TokenRequest> {
    const query = (req.query ?? {}) as Record<string, string | string[] | undefined>;
    const header = req.headers.authorization;
    const credentials = basicCredentials(header);
    if (header !== undefined && credentials === undefined) {
      throw new RegistryError('UNAUTHORIZED', 'malformed Authorization header', { headers: { 'WWW-Authenticate': `Basic realm="${this.config.issuer.replace(/["\\]/g, '')}"` } });
    }
    return { service: first(query.service), scopes: all(query.scope), credentials };
  }

  private async fromForm(req: FastifyRequest): Promise<TokenRequest> {
    const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      throw new RegistryError('UNSUPPORTED', 'expected an application/x-www-form-urlencoded body', { status: 400 });
    }
    const form = new URLSearchParams(await readBody(req));
    const grant = form.get('grant_type');
    if (grant !== 'password') throw new RegistryError('UNSUPPORTED', `unsupported grant_type "${printable(grant ?? '')}"; use password`, { status: 400 });
    const user = form.get('username') ?? '';
    const password = form.get('password') ?? '';
    if (user === '' || password === '') throw new RegistryError('UNAUTHORIZED', 'username and password are required');
    return { service: form.get('service') ?? undefined, scopes: form.getAll('scope'), credentials: { user, password } };
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
