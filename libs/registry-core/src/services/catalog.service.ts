import type { StorageDriver } from '../storage/storage-driver.js';
import { RepositoryWalker } from '../maintenance/repository.walker.js';
import { lexical, paginate, type Page, type PageRequest } from './pagination.js';

/** The repository catalog: every repository under repositories/ that holds manifests. */
export class CatalogService {
  private readonly walker: RepositoryWalker;

  constructor(driver: StorageDriver) {
    this.walker = new RepositoryWalker(driver);
  }

  async list(page: PageRequest): Promise<Page<string>> {
    const names = (await this.walker.list()).filter((r) => r.internal.has('_manifests')).map((r) => r.name);
    return paginate(names.sort(lexical), page);
  }
}
