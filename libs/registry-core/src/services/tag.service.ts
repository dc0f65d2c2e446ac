import { RegistryError } from '../errors/registry-error.js';
import { paths } from '../storage/paths.js';
import { LinkStore } from '../stores/link.store.js';
import type { StorageDriver } from '../storage/storage-driver.js';
import { lexical, pageSize, paginate, type ListingLimits, type Page, type PageRequest } from './pagination.js';

export class TagService {
  private readonly links: LinkStore;

  constructor(
    driver: StorageDriver,
    private readonly limits: ListingLimits = { maxEntries: 1000 },
  ) {
    this.links = new LinkStore(driver);
  }

  /**
   * Tags of a repository in lexical order, and the `n` in effect; NAME_UNKNOWN when the repository
   * has no manifests at all. Without `n` every tag is listed (registry:2 applies tags.maxtags only to `n`).
   */
  async list(name: string, page: PageRequest): Promise<Page<string> & { size: number }> {
    if (!(await this.links.exists(paths.manifests(name)))) throw new RegistryError('NAME_UNKNOWN', { name });
    return this.page((await this.links.children(paths.tags(name))).sort(lexical), page);
  }

  /** A page of lexically sorted tags as tags/list serves it (a pull-through cache lists the upstream's). */
  page(sortedTags: readonly string[], request: PageRequest): Page<string> & { size: number } {
    const size = pageSize(request.n, this.limits.maxEntries, sortedTags.length);
    return { ...paginate(sortedTags, request.last, size), size };
  }
}
