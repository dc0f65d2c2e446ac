import { z } from 'zod';
import { duration, int, section } from '../config.fields.js';
import type { LimitsConfig } from '../config.types.js';

/*
 * Wharf's `limits:` section: what keeps a registry open to the internet up under slow, oversized
 * or abandoned requests. registry:2 has no such section (it hard-codes some of these in Go's HTTP
 * server); the defaults are what a public registry can live with.
 */

const KiB = 1024;
const MiB = 1024 * KiB;

export const LIMIT_DEFAULTS: LimitsConfig = {
  // Node's own default; bearer tokens with many scopes stay well below it.
  maxHeaderBytes: 16 * KiB,
  // The distribution spec asks registries to accept manifests of at least 4 MiB.
  maxManifestBytes: 4 * MiB,
  headerTimeoutMs: 20_000,
  bodyIdleTimeoutMs: 60_000,
  uploadExpiryMs: 24 * 3_600_000,
};

export const limitsSection = section({
  /** Request line plus headers, in bytes; above it: 431. */
  maxheaderbytes: int({ min: 1 * KiB, max: 1 * MiB }).optional(),
  /** Manifest body, in bytes; above it: 413. */
  maxmanifestbytes: int({ min: 4 * MiB, max: 128 * MiB }).optional(),
  /** Time a client has to send the whole request head; then the connection is closed. */
  headertimeout: duration().optional(),
  /** A request body that delivers no byte for this long is cut (an upload stays resumable); 0: never. */
  bodyidletimeout: duration().optional(),
  /** An upload that received no byte for this long is gone (BLOB_UPLOAD_UNKNOWN); 0: never. */
  uploadexpiry: duration().optional(),
}).superRefine((value, ctx) => {
  if (value.headertimeout === 0) ctx.addIssue({ code: 'custom', path: ['headertimeout'], message: 'must be greater than zero' });
});

export function toLimitsConfig(raw: z.output<typeof limitsSection>): LimitsConfig {
  const d = LIMIT_DEFAULTS;
  return {
    maxHeaderBytes: raw.maxheaderbytes ?? d.maxHeaderBytes,
    maxManifestBytes: raw.maxmanifestbytes ?? d.maxManifestBytes,
    headerTimeoutMs: raw.headertimeout ?? d.headerTimeoutMs,
    bodyIdleTimeoutMs: raw.bodyidletimeout ?? d.bodyIdleTimeoutMs,
    uploadExpiryMs: raw.uploadexpiry ?? d.uploadExpiryMs,
  };
}
