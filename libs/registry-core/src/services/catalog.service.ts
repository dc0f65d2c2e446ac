import { REPOSITORIES, REPOSITORY_INTERNAL_DIRS } from '../storage/paths.js';
import type { StorageDriver } from '../storage/storage-driver.js';
import { LinkStore } from '../stores/link.store.js';
import { lexical, paginate, type Page, type PageRequest } from './pagination.js';

/** The repository catalog: every directory under repositories/ that holds manifests. */
export class CatalogService {
  private readonly links: LinkStore;

  constructor(driver: StorageDriver) {
    this.links = new LinkStore(driver);
  }

  async list(page: PageRequest): Promise<Page<string>> {
    const names: string[] = [];
    await this.walk(REPOSITORIES, '', names);
    return paginate(names.sort(lexical), page);
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
