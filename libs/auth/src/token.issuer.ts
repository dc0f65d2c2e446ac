import { createPrivateKey, createPublicKey, randomUUID, type KeyObject, type X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { jwtVerify, SignJWT } from 'jose';
import { parseCertificates } from './certificate-bundle.js';
import { libtrustKeyId } from './libtrust-key-id.js';
import type { TokenAccess } from './token-scope.js';

export interface IssuedToken {
  token: string;
  /** Seconds. */
  expiresIn: number;
  /** RFC 3339. */
  issuedAt: string;
}

/**
 * Signs registry tokens with the token server's key. The header carries the certificate chain
 * (x5c), which registries verify against their rootcertbundle, and the libtrust key id (kid).
 */
export class TokenIssuer {
  private readonly algorithm: string;
  private readonly x5c: string[];
  private readonly kid: string;
  private readonly publicKey: KeyObject;

  constructor(
    private readonly issuer: string,
    private readonly key: KeyObject,
    certificates: X509Certificate[],
    private readonly expirationMs: number,
  ) {
    const leaf = certificates[0];
    if (leaf === undefined) throw new Error('the token server needs its certificate');
    const publicKey = createPublicKey(key);
    if (!leaf.publicKey.equals(publicKey)) throw new Error('the certificate does not belong to the signing key');
    this.algorithm = signingAlgorithm(key);
    this.x5c = certificates.map((c) => c.raw.toString('base64'));
    this.kid = libtrustKeyId(publicKey);
    this.publicKey = publicKey;
  }

  static async fromFiles(issuer: string, keyPath: string, certificatePath: string, expirationMs: number): Promise<TokenIssuer> {
    const key = createPrivateKey(await readFile(keyPath, 'utf8'));
    return new TokenIssuer(issuer, key, parseCertificates(await readFile(certificatePath, 'utf8')), expirationMs);
  }

  async issue(subject: string | undefined, audience: string, access: TokenAccess[], now = Date.now()): Promise<IssuedToken> {
    const issuedAt = Math.floor(now / 1000);
    const expiresIn = Math.max(1, Math.round(this.expirationMs / 1000));
    const token = await new SignJWT({ access })
      .setProtectedHeader({ alg: this.algorithm, typ: 'JWT', kid: this.kid, x5c: this.x5c })
      .setIssuer(this.issuer)
      .setSubject(subject ?? '')
      .setAudience(audience)
      .setIssuedAt(issuedAt)
      .setNotBefore(issuedAt)
      .setExpirationTime(issuedAt + expiresIn)
      .setJti(randomUUID())
      .sign(this.key);
    return { token, expiresIn, issuedAt: new Date(issuedAt * 1000).toISOString() };
  }

  /**
   * A refresh token (OAuth2 offline access, what docker keeps as its identity token): signed by the
   * same key, its audience is this issuer (so no registry accepts it as an access token), and it
   * carries `binding` (HtpasswdStore.credentialVersion) so a new password or a removed user revokes it.
   */
  async issueRefreshToken(subject: string, binding: string, lifetimeMs: number, now = Date.now()): Promise<string> {
    const issuedAt = Math.floor(now / 1000);
    return new SignJWT({ wharf_refresh: binding })
      .setProtectedHeader({ alg: this.algorithm, typ: 'JWT', kid: this.kid })
      .setIssuer(this.issuer)
      .setSubject(subject)
      .setAudience(this.issuer)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + Math.round(lifetimeMs / 1000))
      .setJti(randomUUID())
      .sign(this.key);
  }

  /** The subject and binding of a refresh token this issuer signed; throws InvalidRefreshTokenError otherwise. */
  async verifyRefreshToken(token: string, now = Date.now()): Promise<{ subject: string; binding: string }> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        issuer: this.issuer,
        audience: this.issuer,
        algorithms: [this.algorithm],
        currentDate: new Date(now),
        requiredClaims: ['exp', 'sub'],
      });
      if (typeof payload.sub !== 'string' || payload.sub === '' || typeof payload.wharf_refresh !== 'string') throw new Error('not a refresh token');
      return { subject: payload.sub, binding: payload.wharf_refresh };
    } catch {
      throw new InvalidRefreshTokenError('the refresh token is not valid');
    }
  }
}

/** Why a refresh token was not accepted. */
export class InvalidRefreshTokenError extends Error {
  override readonly name = 'InvalidRefreshTokenError';
}

/** The algorithm a key signs with: RS256 for RSA (what every registry accepts), ES* by curve. */
function signingAlgorithm(key: KeyObject): string {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ES256';
    if (curve === 'secp384r1') return 'ES384';
    if (curve === 'secp521r1') return 'ES512';
  }
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  throw new Error(`unsupported token signing key type: ${key.asymmetricKeyType ?? 'unknown'}`);
}
