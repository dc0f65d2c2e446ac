import { createHash, X509Certificate, type KeyObject, type webcrypto } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { calculateJwkThumbprint, createLocalJWKSet, errors, exportJWK, jwtVerify, type JSONWebKeySet, type JWTHeaderParameters } from 'jose';
import { chainsToRoot, parseCertificates } from './certificate-bundle.js';
import { libtrustKeyId } from './libtrust-key-id.js';
import type { TokenAccess } from './token-scope.js';

export interface TokenVerifierOptions {
  issuer: string;
  /** The registry's service name: tokens must name it in `aud`. */
  service: string;
  /** Trusted roots for x5c chains, and keys a `kid` may name. */
  rootCertificates: X509Certificate[];
  jwks?: JSONWebKeySet;
  /** JOSE algorithm names accepted. */
  algorithms: string[];
  /** Allowed clock skew for exp/nbf; default 60 s, as distribution. */
  clockToleranceSeconds?: number;
}

export interface VerifiedToken {
  subject?: string;
  access: TokenAccess[];
}

/** Why a token was refused; the message is safe to send to the client. */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

const MAX_CACHED = 10_000;

/**
 * Verifies bearer tokens as the Docker token spec and distribution do: signature by an x5c chain
 * leading to a trusted root, a `kid` naming a trusted key (libtrust id or JWK thumbprint) or a
 * JWKS key; then iss, aud = service, exp/nbf, and a well-formed `access` claim.
 * Verified tokens are remembered (by hash) until they expire, so a client reusing one pays once.
 */
export class TokenVerifier {
  private readonly trustedKeys = new Map<string, KeyObject>();
  private readonly jwks: ReturnType<typeof createLocalJWKSet> | undefined;
  private readonly verified = new Map<string, { token: VerifiedToken; expiresAt: number }>();
  private readonly chainKeys = new Map<string, KeyObject>();

  private constructor(private readonly options: TokenVerifierOptions) {
    this.jwks = options.jwks === undefined ? undefined : createLocalJWKSet(options.jwks);
  }

  static async create(options: TokenVerifierOptions): Promise<TokenVerifier> {
    const verifier = new TokenVerifier(options);
    for (const cert of options.rootCertificates) {
      verifier.trustedKeys.set(libtrustKeyId(cert.publicKey), cert.publicKey);
      verifier.trustedKeys.set(await calculateJwkThumbprint(await exportJWK(cert.publicKey)), cert.publicKey);
    }
    return verifier;
  }

  /** From the files auth.token names: a PEM bundle and/or a JWKS JSON file. */
  static async fromFiles(options: Omit<TokenVerifierOptions, 'rootCertificates' | 'jwks'> & { rootCertBundle?: string; jwks?: string }): Promise<TokenVerifier> {
    const { rootCertBundle, jwks: jwksPath, ...rest } = options;
    const roots = rootCertBundle === undefined ? [] : parseCertificates(await readFile(rootCertBundle, 'utf8'));
    if (rootCertBundle !== undefined && roots.length === 0) throw new Error(`${rootCertBundle} holds no PEM certificate`);
    const jwks = jwksPath === undefined ? undefined : (JSON.parse(await readFile(jwksPath, 'utf8')) as JSONWebKeySet);
    return TokenVerifier.create({ ...rest, rootCertificates: roots, ...(jwks === undefined ? {} : { jwks }) });
  }

  async verify(token: string, now = Date.now()): Promise<VerifiedToken> {
    const cacheKey = createHash('sha256').update(token).digest('base64');
    const cached = this.verified.get(cacheKey);
    if (cached !== undefined && cached.expiresAt > now) return cached.token;
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, (header) => this.keyFor(header), {
        issuer: this.options.issuer,
        audience: this.options.service,
        algorithms: this.options.algorithms,
        clockTolerance: this.options.clockToleranceSeconds ?? 60,
        currentDate: new Date(now),
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw new InvalidTokenError(describe(error));
    }
    const verified: VerifiedToken = {
      ...(typeof payload.sub === 'string' && payload.sub !== '' ? { subject: payload.sub } : {}),
      access: accessClaim(payload.access),
    };
    if (this.verified.size >= MAX_CACHED) this.verified.delete(this.verified.keys().next().value!);
    // Cached only until exp (not exp + tolerance), so an expired token is re-checked.
    this.verified.set(cacheKey, { token: verified, expiresAt: (payload.exp as number) * 1000 });
    return verified;
  }

  private async keyFor(header: JWTHeaderParameters): Promise<KeyObject | webcrypto.CryptoKey> {
    if (Array.isArray(header.x5c) && header.x5c.length > 0) return this.chainKey(header.x5c);
    if (header.kid !== undefined) {
      const trusted = this.trustedKeys.get(header.kid);
      if (trusted !== undefined) return trusted;
    }
    // jose's JWKS lookup matches kid, alg and key type, and refuses symmetric keys for asymmetric algorithms.
    if (this.jwks !== undefined) return this.jwks(header, { payload: '', signature: '' } as never);
    throw new InvalidTokenError(header.kid === undefined ? 'the token names no signing key (x5c or kid)' : 'the token is signed by an unknown key');
  }

  private chainKey(x5c: string[]): KeyObject {
    const id = x5c.join('.');
    const known = this.chainKeys.get(id);
    if (known !== undefined) return known;
    let chain: X509Certificate[];
    try {
      chain = x5c.map((der) => new X509Certificate(Buffer.from(der, 'base64')));
    } catch {
      throw new InvalidTokenError('the x5c header holds an unreadable certificate');
    }
    if (!chainsToRoot(chain, this.options.rootCertificates)) throw new InvalidTokenError('the signing certificate is not trusted');
    if (this.chainKeys.size >= 100) this.chainKeys.clear();
    this.chainKeys.set(id, chain[0]!.publicKey);
    return chain[0]!.publicKey;
  }
}

function accessClaim(value: unknown): TokenAccess[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InvalidTokenError('the access claim is not a list');
  return value.map((entry: unknown) => {
    const e = entry as Partial<TokenAccess> | null;
    if (!e || typeof e.type !== 'string' || typeof e.name !== 'string' || !Array.isArray(e.actions) || !e.actions.every((a) => typeof a === 'string')) {
      throw new InvalidTokenError('the access claim holds a malformed entry');
    }
    return { type: e.type, name: e.name, actions: e.actions };
  });
}

function describe(error: unknown): string {
  if (error instanceof InvalidTokenError) return error.message;
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `the token's ${error.claim} claim is not accepted`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is invalid';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token is signed with an algorithm that is not accepted';
  if (error instanceof errors.JOSEError) return 'the token is malformed or its signature cannot be checked';
  return 'the token cannot be verified';
}
