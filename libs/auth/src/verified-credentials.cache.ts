import { createHmac, randomBytes } from 'node:crypto';

/**
 * Remembers recent successful password checks so that a client sending Basic credentials on every
 * request pays for bcrypt once per TTL, not per request. Entries are keyed by an HMAC (with a
 * per-process random key) of user, password and file version: no plaintext and no offline-crackable
 * plain hash is kept, and editing the file (a new version) invalidates every entry at once.
 */
export class VerifiedCredentialsCache {
  private readonly secret = randomBytes(32);
  private readonly expiries = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  has(version: string, user: string, password: string): boolean {
    const key = this.key(version, user, password);
    const expiry = this.expiries.get(key);
    if (expiry === undefined) return false;
    if (expiry > this.now()) return true;
    this.expiries.delete(key);
    return false;
  }

  add(version: string, user: string, password: string): void {
    if (this.ttlMs <= 0) return;
    if (this.expiries.size >= this.maxEntries) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = this.expiries.keys().next();
      if (!oldest.done) this.expiries.delete(oldest.value);
    }
    this.expiries.set(this.key(version, user, password), this.now() + this.ttlMs);
  }

  clear(): void {
    this.expiries.clear();
  }

  private key(version: string, user: string, password: string): string {
    return createHmac('sha256', this.secret).update(version).update('\0').update(user).update('\0').update(password).digest('base64');
  }
}
