import { createHash, type Hash } from 'node:crypto';
import { RegistryError } from './errors/registry-error.js';

/** Algorithms Wharf can verify; the spec's registered ones. */
export const DIGEST_ALGORITHMS = { sha256: 64, sha512: 128 } as const;
export type DigestAlgorithm = keyof typeof DIGEST_ALGORITHMS;

/** A validated content digest, `<algorithm>:<lowercase hex>`. */
export interface Digest {
  readonly algorithm: DigestAlgorithm;
  readonly hex: string;
  readonly value: string;
}

// The spec's general grammar; anything else is not a digest at all.
const DIGEST_GRAMMAR = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export function isDigestLike(value: string): boolean {
  return DIGEST_GRAMMAR.test(value);
}

/** Parses and validates a digest; throws DIGEST_INVALID with the reason. */
export function parseDigest(value: string): Digest {
  if (!DIGEST_GRAMMAR.test(value)) {
    throw new RegistryError('DIGEST_INVALID', `invalid digest format: ${truncate(value)}`, { message: 'invalid digest' });
  }
  const colon = value.indexOf(':');
  const algorithm = value.slice(0, colon);
  const hex = value.slice(colon + 1);
  if (!(algorithm in DIGEST_ALGORITHMS)) {
    throw new RegistryError('DIGEST_INVALID', `unsupported digest algorithm: ${truncate(algorithm)}`, {
      message: 'unsupported digest algorithm',
    });
  }
  const length = DIGEST_ALGORITHMS[algorithm as DigestAlgorithm];
  if (hex.length !== length || !/^[a-f0-9]+$/.test(hex)) {
    throw new RegistryError('DIGEST_INVALID', `${algorithm} digest must be ${length} lowercase hex characters`, {
      message: 'invalid digest',
    });
  }
  return { algorithm: algorithm as DigestAlgorithm, hex, value };
}

export function digestOf(algorithm: DigestAlgorithm, hash: Hash): Digest {
  const hex = hash.digest('hex');
  return { algorithm, hex, value: `${algorithm}:${hex}` };
}

export function createDigester(algorithm: DigestAlgorithm): Hash {
  return createHash(algorithm);
}

export function digestBytes(bytes: Buffer, algorithm: DigestAlgorithm = 'sha256'): Digest {
  return digestOf(algorithm, createHash(algorithm).update(bytes));
}

function truncate(value: string): string {
  return value.length > 80 ? `${value.slice(0, 80)}…` : value;
}
