import { createPrivateKey, createPublicKey, randomUUID, type KeyObject, type X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SignJWT } from 'jose';
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
