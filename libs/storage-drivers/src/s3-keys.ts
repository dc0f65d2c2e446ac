import { splitDriverPath } from './driver-path.js';

/**
 * Where a driver path lives in the bucket: registry:2's mapping, key for key, so registry:2
 * and Wharf read each other's buckets. The key is `<rootdirectory><path>` without a leading
 * slash ("docker/registry/v2/…" at the bucket's top, "registry/docker/registry/v2/…" under
 * `rootdirectory: /registry`).
 *
 * Beside the layout, the driver keeps one kind of object of its own: the pending pieces of an
 * unfinished write, `<key>~pending-…`. `~` never occurs in a driver path, so such a key can
 * never collide with a file, and listings skip it; deleting the directory removes them, as
 * registry:2 removes a whole `_uploads/<id>/`.
 */
export class S3Keys {
  /** The root without leading or trailing slashes; "" for the bucket's top. */
  private readonly base: string;

  constructor(rootDirectory: string) {
    this.base = rootDirectory.replace(/^\/+|\/+$/g, '');
  }

  /** The object key of a (validated) file path. */
  key(path: string, allowRoot = false): string {
    splitDriverPath(path, allowRoot);
    return this.base === '' ? path.slice(1) : `${this.base}${path}`;
  }

  /** The listing prefix of everything below a directory path (ends with "/" unless it is the bucket's top). */
  dirPrefix(path: string): string {
    splitDriverPath(path, true);
    if (path === '/') return this.base === '' ? '' : `${this.base}/`;
    return `${this.key(path)}/`;
  }

  /** The driver path of a key below the root. */
  pathOf(key: string): string {
    return `/${this.base === '' ? key : key.slice(this.base.length + 1)}`;
  }

  /** Where the pending pieces of an unfinished write of `key` are (see S3FileWriter). */
  pendingPrefix(key: string): string {
    return `${key}~pending-`;
  }

  /** A key that is not a file (a pending piece, or anything outside the registry's alphabet). */
  isHidden(key: string): boolean {
    return key.includes('~');
  }
}
