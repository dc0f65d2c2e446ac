import { RegistryError } from '../errors/registry-error.js';
import { paths } from '../storage/paths.js';
import { LinkStore } from '../stores/link.store.js';
import type { StorageDriver } from '../storage/storage-driver.js';
import { lexical, paginate, type Page, type PageRequest } from './pagination.js';

export class TagService {
  private readonly links: LinkStore;

  constructor(driver: StorageDriver) {
    this.links = new LinkStore(driver);
  }

  /** Tags of a repository in lexical order; NAME_UNKNOWN when the repository has no manifests at all. */
  async list(name: string, page: PageRequest): Promise<Page<string>> {
    if (!(await this.links.exists(paths.manifests(name)))) throw new RegistryError('NAME_UNKNOWN', { name });
    const tags = (await this.links.children(paths.tags(name))).sort(lexical);
    return paginate(tags, page);
  }
}
