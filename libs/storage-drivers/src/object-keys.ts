import { splitDriverPath } from './driver-path.js';

/**
 * Maps driver paths to object names in a bucket or container, as registry:2's object-store
 * drivers do: `<rootdirectory>/docker/registry/v2/...` with no leading slash (and no root
 * prefix at all when rootdirectory is empty or "/"). A "directory" is the prefix its
 * objects share, so it exists while anything is stored under it.
 */
export class ObjectKeys {
  /** '' or 'root/dir/': prepended to every path's components. */
  readonly prefix: string;

  constructor(rootDirectory: string) {
    const root = rootDirectory.replace(/^\/+|\/+$/g, '');
    this.prefix = root === '' ? '' : `${root}/`;
  }

  /** The object name of a file; throws InvalidPathError (the root is never a file). */
  file(path: string): string {
    return this.prefix + splitDriverPath(path).join('/');
  }

  /** The prefix every object under a directory shares, ending with '/' (or '' for the root). */
  dir(path: string): string {
    const parts = splitDriverPath(path, true);
    return parts.length === 0 ? this.prefix : `${this.prefix}${parts.join('/')}/`;
  }

  /** The driver path of an object name (or of a listed prefix, with or without its '/'). */
  path(name: string): string {
    const relative = name.slice(this.prefix.length).replace(/\/$/, '');
    return `/${relative}`;
  }
}
