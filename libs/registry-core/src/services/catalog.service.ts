import type { StorageDriver } from '../storage/storage-driver.js';
import { RepositoryWalker } from '../maintenance/repository.walker.js';
import { lexical, pageSize, paginate, type ListingLimits, type Page, type PageRequest } from './pagination.js';

/** registry:2 answers this many repositories when the request names no `n`. */
const DEFAULT_CATALOG_PAGE = 100;

/** The repository catalog: every repository under repositories/ that holds manifests. */
export class CatalogService {
  private readonly walker: RepositoryWalker;

  constructor(
    driver: StorageDriver,
    private readonly limits: ListingLimits = { maxEntries: 1000 },
  ) {
    this.walker = new RepositoryWalker(driver);
  }

  /** A page and the `n` in effect (for the next page's link). */
  async list(page: PageRequest): Promise<Page<string> & { size: number }> {
    const size = pageSize(page.n, this.limits.maxEntries, Math.min(DEFAULT_CATALOG_PAGE, this.limits.maxEntries));
    const names = (await this.walker.list()).filter((r) => r.internal.has('_manifests')).map((r) => r.name);
    return { ...paginate(names.sort(lexical), page.last, size), size };
  }
}
