import type { Digest } from '../digest.js';
import type { Descriptor } from '../manifest/descriptor.js';
import { paths } from '../storage/paths.js';
import { isPathNotFound, type StorageDriver } from '../storage/storage-driver.js';
import { LinkStore } from '../stores/link.store.js';

/**
 * The referrers index: for each subject digest, the descriptors of the manifests
 * in the repository that name it as `subject`. Written when such a manifest is
 * pushed, so answering the referrers API never parses manifests.
 */
export class ReferrersService {
  private readonly links: LinkStore;

  constructor(private readonly driver: StorageDriver) {
    this.links = new LinkStore(driver);
  }

  add(name: string, subject: Digest, referrer: Digest, descriptor: Descriptor): Promise<void> {
    return this.driver.putContent(paths.referrer(name, subject, referrer), JSON.stringify(descriptor));
  }

  async remove(name: string, subject: Digest, referrer: Digest): Promise<void> {
    await this.links.remove(paths.referrerDir(name, subject, referrer));
  }

  /** Descriptors of every referrer of `subject`, optionally only those of one artifactType. */
  async list(name: string, subject: Digest, artifactType?: string): Promise<Descriptor[]> {
    const base = paths.referrersOf(name, subject);
    const found: Descriptor[] = [];
    for (const algorithm of await this.links.children(base)) {
      for (const hex of await this.links.children(`${base}/${algorithm}`)) {
        try {
          found.push(JSON.parse((await this.driver.getContent(`${base}/${algorithm}/${hex}/descriptor`)).toString('utf8')) as Descriptor);
        } catch (err) {
          if (!isPathNotFound(err)) throw err;
        }
      }
    }
    const matching = artifactType === undefined ? found : found.filter((d) => d.artifactType === artifactType);
    return matching.sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
  }
}
