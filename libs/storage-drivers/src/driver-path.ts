import { randomBytes } from 'node:crypto';
import { InvalidPathError } from '@wharf/registry-core';

// distribution's PathRegexp alphabet. Every path registry:2 writes fits it (names, tags,
// digest algorithms and hex, upload ids), and it leaves no room for '\', NUL, ':' or
// other characters a filesystem could interpret.
const COMPONENT = /^[A-Za-z0-9._-]+$/;

/**
 * Checks a driver path and returns its components; throws InvalidPathError.
 *
 * A valid path is "/c1/c2/..." where no component is empty, "." or "..", and every
 * character is in [A-Za-z0-9._-]. This is what keeps a hostile name from reaching
 * outside a driver's root. The root itself ("/") is valid only with `allowRoot`
 * (stat and list), never for a write or a delete.
 */
export function splitDriverPath(path: string, allowRoot = false): string[] {
  if (typeof path !== 'string' || path.charCodeAt(0) !== 0x2f) throw new InvalidPathError(String(path));
  if (path.length === 1) {
    if (allowRoot) return [];
    throw new InvalidPathError(path);
  }
  const parts = path.slice(1).split('/');
  for (const part of parts) {
    if (part === '.' || part === '..' || !COMPONENT.test(part)) throw new InvalidPathError(path);
  }
  return parts;
}

/** The driver path of `name` inside directory `dir` ("/" or a validated path). */
export function childPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

// ".<name>.tmp-<16 hex>": a leading dot cannot begin any name registry:2 writes, so these
// never collide with real entries and `list` can hide them. The base name is clipped so
// the temp name stays under NAME_MAX (255) whatever the target is called.
const TEMP_NAME = /^\..*\.tmp-[0-9a-f]{16}$/;

export function tempNameFor(baseName: string): string {
  return `.${baseName.slice(0, 200)}.tmp-${randomBytes(8).toString('hex')}`;
}

export function isTempName(name: string): boolean {
  return name.charCodeAt(0) === 0x2e && TEMP_NAME.test(name);
}
