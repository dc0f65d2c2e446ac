import type { Readable } from 'node:stream';
import type { Digest } from '../digest.js';

/**
 * The port to one upstream registry a cache reads from (the HTTP client lives at the edge, in the
 * registry app). Every method throws UpstreamError for an answer the cache cannot use.
 * Names are the upstream's own (`library/busybox`), never the cache's prefixed ones.
 */
export interface Upstream {
  /** The label in events, metrics and logs: the registry host (`ghcr.io`), or the proxy's URL host. */
  readonly label: string;
  /** The digest a tag (or digest) resolves to upstream, from a HEAD. */
  resolveManifest(name: string, reference: string): Promise<{ digest?: Digest; mediaType?: string }>;
  /** A manifest's bytes as the upstream serves them; the caller verifies them. */
  fetchManifest(name: string, reference: string): Promise<{ bytes: Buffer; mediaType?: string; digest?: Digest }>;
  /** A blob's size, from a HEAD. */
  statBlob(name: string, digest: Digest): Promise<number>;
  /** A blob's bytes; `size` is the upstream's Content-Length when it sent one. The caller verifies them. */
  openBlob(name: string, digest: Digest): Promise<{ size?: number; stream: Readable }>;
  /** Every tag of the repository upstream. */
  listTags(name: string): Promise<string[]>;
}

export type UpstreamFailure =
  /** The upstream says it has no such manifest or blob. */
  | 'not-found'
  /** It refused our credentials (or asked for ones we do not have). */
  | 'denied'
  /** 429: Docker Hub's pull limit and its kin. */
  | 'rate-limited'
  /** Unreachable, timed out, or a 5xx. */
  | 'unavailable'
  /** An answer that breaks the protocol: wrong digest, truncated body, not a manifest. */
  | 'bad-answer';

/** Why an upstream request failed. `detail` is safe to show: it never holds credentials. */
export class UpstreamError extends Error {
  constructor(
    readonly failure: UpstreamFailure,
    readonly detail: string,
    readonly retryAfter?: string,
  ) {
    super(`upstream ${failure}: ${detail}`);
    this.name = 'UpstreamError';
  }
}

export function isUpstreamError(err: unknown): err is UpstreamError {
  return err instanceof UpstreamError;
}
