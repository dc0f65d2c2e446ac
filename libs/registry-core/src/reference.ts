import { RegistryError } from './errors/registry-error.js';
import { parseDigest, type Digest } from './digest.js';

// OCI distribution spec, "<name>": path components of lowercase alphanumerics
// joined by '.', '_', '__' or runs of '-', separated by '/'.
const NAME = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

/** Names longer than this are refused, as distribution does (clients prefix a host). */
export const MAX_NAME_LENGTH = 255;

export function isValidRepositoryName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && NAME.test(name);
}

export function assertRepositoryName(name: string): string {
  if (!isValidRepositoryName(name)) {
    throw new RegistryError('NAME_INVALID', { name: printable(name) });
  }
  return name;
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

/** A manifest reference: a tag or a digest. */
export type ManifestReference = { kind: 'tag'; tag: string } | { kind: 'digest'; digest: Digest };

export function parseManifestReference(reference: string): ManifestReference {
  // Tags cannot contain ':', so anything with one must be a digest.
  if (reference.includes(':')) return { kind: 'digest', digest: parseDigest(reference) };
  if (!isValidTag(reference)) {
    throw new RegistryError('TAG_INVALID', { tag: printable(reference) }, { message: 'invalid tag' });
  }
  return { kind: 'tag', tag: reference };
}

/** Keeps hostile input from reaching logs and error bodies as raw control characters. */
function printable(value: string): string {
  const clipped = value.length > 300 ? `${value.slice(0, 300)}…` : value;
  return clipped.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
