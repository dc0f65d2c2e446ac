import { REPOSITORIES, REPOSITORY_INTERNAL_DIRS } from '../storage/paths.js';
import type { StorageDriver } from '../storage/storage-driver.js';
import { LinkStore } from '../stores/link.store.js';
import { lexical, pageSize, paginate, type ListingLimits, type Page, type PageRequest } from './pagination.js';

/** registry:2 answers this many repositories when the request names no `n`. */
const DEFAULT_CATALOG_PAGE = 100;

/** The repository catalog: every directory under repositories/ that holds manifests. */
export class CatalogService {
  private readonly links: LinkStore;

  constructor(
    driver: StorageDriver,
    private readonly limits: ListingLimits = { maxEntries: 1000 },
  ) {
    this.links = new LinkStore(driver);
  }

  /** A page and the `n` in effect (for the next page's link). */
  async list(page: PageRequest): Promise<Page<string> & { size: number }> {
    const size = pageSize(page.n, this.limits.maxEntries, Math.min(DEFAULT_CATALOG_PAGE, this.limits.maxEntries));
    const names: string[] = [];
    await this.walk(REPOSITORIES, '', names);
    return { ...paginate(names.sort(lexical), page.last, size), size };
  }

  private async walk(dir: string, prefix: string, names: string[]): Promise<void> {
    const children = await this.links.children(dir);
    if (children.includes('_manifests')) names.push(prefix);
    await Promise.all(
      children
        .filter((child) => !child.startsWith('_') && !REPOSITORY_INTERNAL_DIRS.has(child))
        .map((child) => this.walk(`${dir}/${child}`, prefix === '' ? child : `${prefix}/${child}`, names)),
    );
  }
}
