import { Injectable } from '@nestjs/common';
import { RegistryError } from '@wharf/registry-core';
import { RegistryReader } from '../images/registry-reader.js';
import type { Positioned } from './counters.reader.js';
import { decodeCursor } from './keyset-cursor.js';
import { UnknownRepositoryError } from './repositories.errors.js';

/** A repository as storage alone knows it: no download or push counters (null: unknown, not zero). */
export interface StoredRepository {
  name: string;
  pulls: null;
  pushes: null;
  lastPulledAt: null;
  lastPushedAt: null;
}

// the cursor's sort label: a name cursor of the counters would page another list
export const STORED_NAME_SORT = 'storedName';

/**
 * Repositories read from the registry's storage (registry-core's catalog and tags), for an API
 * with no `database` section: the list by name and one repository's tag count.
 */
@Injectable()
export class StoredRepositoriesService {
  constructor(private readonly storage: RegistryReader) {}

  /** Names containing `q` (case-insensitive), A to Z, after the cursor's name; `limit` rows at most. */
  async list(query: { q?: string; cursor?: string; limit: number }): Promise<Positioned<StoredRepository>[]> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, STORED_NAME_SORT).name;
    const needle = query.q?.toLowerCase();
    const names: string[] = [];
    let last = after;
    // the catalog serves sorted pages of at most 10,000 names; the filter needs them all
    do {
      const page = await this.storage.catalog.list(last === undefined ? {} : { last });
      names.push(...page.items.filter((name) => needle === undefined || name.toLowerCase().includes(needle)));
      last = page.next;
    } while (last !== undefined && names.length < query.limit);
    return names.slice(0, query.limit).map((name) => ({ row: storedRepository(name), position: { key: null, name } }));
  }

  /** The repository with its tag count; 404 when storage holds no manifest for it. */
  async get(name: string): Promise<StoredRepository & { pullsByDigest: null; tagCount: number }> {
    let tagCount = 0;
    let last: string | undefined;
    try {
      do {
        const page = await this.storage.tags.list(name, last === undefined ? {} : { last });
        tagCount += page.items.length;
        last = page.next;
      } while (last !== undefined);
    } catch (error) {
      if (error instanceof RegistryError && error.code === 'NAME_UNKNOWN') {
        throw new UnknownRepositoryError(name, `repository "${name}" is not in the registry's storage: nothing was pushed to it`);
      }
      throw error;
    }
    return { ...storedRepository(name), pullsByDigest: null, tagCount };
  }
}

function storedRepository(name: string): StoredRepository {
  return { name, pulls: null, pushes: null, lastPulledAt: null, lastPushedAt: null };
}
