import { REPOSITORIES, REPOSITORY_INTERNAL_DIRS } from '../storage/paths.js';
import type { StorageDriver } from '../storage/storage-driver.js';
import { LinkStore } from '../stores/link.store.js';

/** A repository directory and which of the registry's own folders (`_manifests`, `_layers`, …) it holds. */
export interface RepositoryDir {
  name: string;
  internal: ReadonlySet<string>;
}

/**
 * Finds every repository under repositories/ for the catalog and the maintenance jobs. A
 * directory is a repository when it holds one of the registry's `_` folders, so a repository
 * with only `_layers` or `_uploads` (a push that never got to its manifest) is found too.
 * Names nest (`a` and `a/b` can both be repositories); `_`-prefixed names are never part of a
 * name, as in registry:2's walkers.
 *
 * This descends the name directories with `list` rather than a flat `walk`: the `_` folders it
 * never enters hold nearly every file (links, tag history, uploads), so a walk would read ten
 * times more entries, and on a disk stat each of them. Sibling directories are listed together,
 * which hides an object store's per-request latency.
 */
export class RepositoryWalker {
  private readonly links: LinkStore;

  constructor(driver: StorageDriver) {
    this.links = new LinkStore(driver);
  }

  /** Every repository, sorted by name; empty when the storage holds none. */
  async list(): Promise<RepositoryDir[]> {
    const found: RepositoryDir[] = [];
    await this.walk(REPOSITORIES, '', found);
    return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private async walk(dir: string, prefix: string, found: RepositoryDir[]): Promise<void> {
    const children = await this.links.children(dir);
    const internal = new Set(children.filter((child) => REPOSITORY_INTERNAL_DIRS.has(child)));
    if (prefix !== '' && internal.size > 0) found.push({ name: prefix, internal });
    await Promise.all(
      children
        .filter((child) => !child.startsWith('_'))
        .map((child) => this.walk(`${dir}/${child}`, prefix === '' ? child : `${prefix}/${child}`, found)),
    );
  }
}
