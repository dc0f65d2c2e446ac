import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { WharfConfig } from '@wharf/config';

/** Stored form: this prefix, then base64url(iv ‖ ciphertext ‖ tag). The version names the scheme. */
export const SEALED_PREFIX = 'wharf-aes256gcm:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Said whenever a secret cannot be stored or read for want of a key. */
export const MISSING_KEY_MESSAGE =
  'webhook secrets are stored encrypted with a key derived from api.secret (else http.secret), and neither is configured: set api.secret (at least 32 characters)';

/**
 * Webhook secrets as PostgreSQL holds them: AES-256-GCM under a key derived (HKDF-SHA256) from
 * `api.secret`, else `http.secret`, so a database dump or backup never shows a signing key. Every
 * role that reads the same config file derives the same key. Changing that secret makes the
 * stored ones unreadable: each subscription then needs a new secret (PATCH), and deliveries fail
 * with a message that says so until it has one.
 */
export class WebhookSecretCipher {
  private constructor(private readonly key: Buffer | undefined) {}

  static fromConfig(config: Pick<WharfConfig, 'api' | 'http'>): WebhookSecretCipher {
    return WebhookSecretCipher.fromSecret(config.api?.secret ?? config.http.secret);
  }

  /** `secret` undefined: a cipher that can neither seal nor open, and says why. */
  static fromSecret(secret: string | undefined): WebhookSecretCipher {
    if (secret === undefined || secret === '') return new WebhookSecretCipher(undefined);
    return new WebhookSecretCipher(Buffer.from(hkdfSync('sha256', secret, 'wharf webhook secrets', 'aes-256-gcm v1', 32)));
  }

  static isSealed(stored: string): boolean {
    return stored.startsWith(SEALED_PREFIX);
  }

  get available(): boolean {
    return this.key !== undefined;
  }

  seal(plain: string): string {
    const key = this.requireKey();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return SEALED_PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** The secret in `stored`; throws with the reason when it cannot be had. */
  open(stored: string): string {
    if (!WebhookSecretCipher.isSealed(stored)) throw new Error('the stored webhook secret is not in an encrypted form Wharf knows');
    const key = this.requireKey();
    const raw = Buffer.from(stored.slice(SEALED_PREFIX.length), 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error(
        'the webhook secret cannot be decrypted with the key from api.secret (else http.secret): was that secret changed? Set a new webhook secret',
      );
    }
  }

  private requireKey(): Buffer {
    if (this.key === undefined) throw new Error(MISSING_KEY_MESSAGE);
    return this.key;
  }
}
