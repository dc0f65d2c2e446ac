import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { WharfConfig } from '@wharf/config';
import { errors, jwtVerify, SignJWT } from 'jose';
import { WHARF_CONFIG } from '../api.tokens.js';

const DEFAULT_SESSION_LIFETIME_MS = 12 * 3_600_000;
const ISSUER = 'wharf-api';

export interface IssuedSession {
  token: string;
  expiresAt: string;
}

/** Why a presented token was refused, in words a client can act on. */
export class InvalidSessionError extends Error {
  override readonly name = 'InvalidSessionError';
}

/**
 * The API's session tokens: HS256 JWTs (jose) naming the user, signed with `api.secret`, else
 * `http.secret`, else a random key made at start-up (sessions then end when the process restarts,
 * and replicas do not share them). Signing out revokes the token in this process until it expires.
 */
@Injectable()
export class SessionTokens {
  private readonly key: Uint8Array;
  private readonly lifetimeMs: number;
  // token id → expiry (ms); entries leave once the token would have expired anyway
  private readonly revoked = new Map<string, number>();

  constructor(@Inject(WHARF_CONFIG) config: WharfConfig) {
    const secret = config.api?.secret ?? config.http.secret;
    this.key = secret === undefined ? randomBytes(32) : new TextEncoder().encode(secret);
    this.lifetimeMs = config.api?.sessionLifetimeMs ?? DEFAULT_SESSION_LIFETIME_MS;
  }

  async issue(user: string, now = Date.now()): Promise<IssuedSession> {
    const expiresAt = Math.floor((now + this.lifetimeMs) / 1000);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user)
      .setIssuer(ISSUER)
      .setAudience(ISSUER)
      .setJti(randomUUID())
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(expiresAt)
      .sign(this.key);
    return { token, expiresAt: new Date(expiresAt * 1000).toISOString() };
  }

  /** The user a token names; InvalidSessionError when it is expired, revoked, forged or malformed. */
  async verify(token: string): Promise<string> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], issuer: ISSUER, audience: ISSUER }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new InvalidSessionError('the session token has expired: sign in again');
      throw new InvalidSessionError('the session token is not valid here: sign in again');
    }
    if (typeof payload.sub !== 'string' || payload.sub === '' || typeof payload.jti !== 'string') {
      throw new InvalidSessionError('the session token is not valid here: sign in again');
    }
    if (this.revoked.has(payload.jti)) throw new InvalidSessionError('the session has ended (signed out): sign in again');
    return payload.sub;
  }

  /** Ends a session; a token that does not verify is ignored (there is nothing to end). */
  async revoke(token: string, now = Date.now()): Promise<void> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], issuer: ISSUER, audience: ISSUER });
      if (typeof payload.jti === 'string' && typeof payload.exp === 'number') this.revoked.set(payload.jti, payload.exp * 1000);
    } catch {
      return;
    }
    for (const [id, expiry] of this.revoked) if (expiry <= now) this.revoked.delete(id);
  }
}
