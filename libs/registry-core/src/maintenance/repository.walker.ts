import { REPOSITORIES, REPOSITORY_INTERNAL_DIRS } from '../storage/paths.js';
import type { StorageDriver } from '../storage/storage-driver.js';

/** A repository directory and which of the registry's own folders (`_manifests`, `_layers`, …) it holds. */
export interface RepositoryDir {
  name: string;
  internal: ReadonlySet<string>;
}

/**
 * Finds every repository under repositories/ for the catalog and the maintenance jobs, in
 * one flat walk of the files (one request per 1,000 files on an object store, instead of one
 * per directory). A directory is a repository when a file lies in one of the registry's `_`
 * folders directly inside it, so a repository with only `_layers` or `_uploads` (a push that
 * never got to its manifest) is found too. Names nest (`a` and `a/b` can both be
 * repositories); `_`-prefixed names are never part of a name, as in registry:2's walkers.
 */
export class RepositoryWalker {
  constructor(private readonly driver: StorageDriver) {}

  /** Every repository, sorted by name; empty when the storage holds none. */
  async list(): Promise<RepositoryDir[]> {
    const found = new Map<string, Set<string>>();
    const skip = REPOSITORIES.length + 1;
    for await (const file of this.driver.walk(REPOSITORIES)) {
      const parts = file.path.slice(skip).split('/');
      const at = parts.findIndex((part) => part.startsWith('_'));
      // a repository's own folder, with a file inside it, below at least one name component
      if (at < 1 || at === parts.length - 1 || !REPOSITORY_INTERNAL_DIRS.has(parts[at]!)) continue;
      const name = parts.slice(0, at).join('/');
      let internal = found.get(name);
      if (!internal) found.set(name, (internal = new Set()));
      internal.add(parts[at]!);
    }
    return [...found]
      .map(([name, internal]) => ({ name, internal }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
