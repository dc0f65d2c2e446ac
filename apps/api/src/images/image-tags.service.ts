import { Inject, Injectable } from '@nestjs/common';
import type { WharfConfig } from '@wharf/config';
import { RegistryError, isValidTag, parseDigest, type Digest, type EventContext, type RegistryWriter } from '@wharf/registry-core';
import { REGISTRY_WRITER, WHARF_CONFIG } from '../api.tokens.js';
import type { TagCounters } from '../repositories/counters.reader.js';
import { decodeCursor, encodeCursor } from '../repositories/keyset-cursor.js';
import { UnknownRepositoryError } from '../repositories/repositories.errors.js';
import { RepositoriesService, type Page } from '../repositories/repositories.service.js';
import { ImageDetailsReader, type ContentSummary, type ManifestDetails, type Platform } from './image-details.reader.js';
import { registryHost } from './registry-address.js';
import { RegistryReader } from './registry-reader.js';

/** Counters of a tag, or nulls when no `database` section is configured (unknown, not zero). */
type TagCountersOrUnknown = TagCounters | { tag: string; pulls: null; pushes: null; lastPulledDay: null; lastPushedDay: null };

/** A row of GET …/tags: counters plus what storage holds (null/[] once the tag is gone from storage). */
type TagListItem = TagCountersOrUnknown & TagStorageFields;

interface TagStorageFields {
  digest: string | null;
  mediaType: string | null;
  size: number | null;
  created: string | null;
  platforms: Platform[];
}

/** GET …/tags/<tag> and …/manifests/<digest> (tag and the counters null for a manifest by digest: counters are per tag). */
export interface ImageView {
  repository: string;
  tag: string | null;
  digest: string;
  mediaType: string;
  size: number;
  created: string | null;
  config: ContentSummary | null;
  layers: ContentSummary[];
  platforms: (Platform & { digest: string; size: number })[];
  pulls: number | null;
  pushes: number | null;
  lastPulledDay: string | null;
  lastPushedDay: string | null;
  pullCommand: string;
  /** false: no `database` section, the counter fields are null because nothing counts downloads. */
  counters: boolean;
}

/** The tags page; `counters` as in ImageView. */
export interface TagsPage extends Page<TagListItem> {
  repository: string;
  counters: boolean;
}

// the cursor's sort label for tags by name alone (no counters)
const TAG_NAME_SORT = 'tagNames';

// storage reads per tags page run this many at a time
const DETAIL_CONCURRENCY = 8;

/**
 * Tags and manifests as stored, joined with their counters; deletes asked of the registry, which
 * writes storage and emits the registry:2 events.
 */
@Injectable()
export class ImageTagsService {
  private readonly details: ImageDetailsReader;
  private readonly host: string;

  constructor(
    private readonly storage: RegistryReader,
    private readonly repositories: RepositoriesService,
    @Inject(REGISTRY_WRITER) private readonly registry: RegistryWriter,
    @Inject(WHARF_CONFIG) config: WharfConfig,
  ) {
    this.details = new ImageDetailsReader(storage.manifests, storage.blobs);
    this.host = registryHost(config.http);
  }

  /**
   * Every tag in storage or in the counters, ordered by downloads (most first), then by tag name,
   * so a tag without downloads still appears, after those with some. Paged by the same keyset.
   * Without a database: the tags in storage by name, counters null.
   */
  async list(name: string, query: { cursor?: string; size: number }): Promise<TagsPage> {
    if (!this.repositories.counted) return this.listStored(name, query);
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, 'tags');
    const [{ counted, tags: counters }, stored] = await Promise.all([this.repositories.tagCounters(name), this.storedTags(name)]);
    if (!counted && stored === undefined) throw new UnknownRepositoryError(name);
    const byTag = new Map(counters.map((c) => [c.tag, c]));
    for (const tag of stored ?? []) if (!byTag.has(tag)) byTag.set(tag, { tag, pulls: 0, pushes: 0, lastPulledDay: null, lastPushedDay: null });
    const ordered = [...byTag.values()]
      .sort((a, b) => b.pulls - a.pulls || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0))
      .filter((t) => after === undefined || t.pulls < Number(after.key) || (t.pulls === Number(after.key) && t.tag > after.name));
    const rows = ordered.slice(0, query.size);
    const items = await mapLimited(rows, DETAIL_CONCURRENCY, async (row) => ({ ...row, ...(await this.tagSummary(name, row.tag)) }));
    const last = rows[rows.length - 1];
    const nextCursor = ordered.length > query.size && last !== undefined ? encodeCursor('tags', { key: String(last.pulls), name: last.tag }) : null;
    return { repository: name, counters: true, items, nextCursor };
  }

  async tag(name: string, tag: string): Promise<ImageView> {
    const digest = await this.storage.manifests.resolve(name, tagReference(tag));
    const [details, counters] = await Promise.all([this.details.details(name, digest), this.repositories.tagCounter(name, tag)]);
    const { tag: _, ...counts } = counters ?? unknownCounters(tag);
    return { repository: name, tag, ...details, ...counts, pullCommand: `docker pull ${this.host}/${name}:${tag}`, counters: counters !== undefined };
  }

  async manifest(name: string, digest: string): Promise<ImageView> {
    const details = await this.details.details(name, await this.storage.manifests.resolve(name, { kind: 'digest', digest: parseDigest(digest) }));
    return {
      repository: name,
      tag: null,
      ...details,
      pulls: null,
      pushes: null,
      lastPulledDay: null,
      lastPushedDay: null,
      pullCommand: `docker pull ${this.host}/${name}@${details.digest}`,
      counters: this.repositories.counted,
    };
  }

  private async listStored(name: string, query: { cursor?: string; size: number }): Promise<TagsPage> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, TAG_NAME_SORT).name;
    const stored = await this.storedTags(name);
    if (stored === undefined) throw new UnknownRepositoryError(name, `repository "${name}" is not in the registry's storage: nothing was pushed to it`);
    const ordered = after === undefined ? stored : stored.filter((tag) => tag > after);
    const rows = ordered.slice(0, query.size);
    const items = await mapLimited(rows, DETAIL_CONCURRENCY, async (tag) => ({ ...unknownCounters(tag), ...(await this.tagSummary(name, tag)) }));
    const last = rows[rows.length - 1];
    const nextCursor = ordered.length > query.size && last !== undefined ? encodeCursor(TAG_NAME_SORT, { key: null, name: last }) : null;
    return { repository: name, counters: false, items, nextCursor };
  }

  /** Removes the tag only; the manifest stays, reachable by digest. */
  async deleteTag(name: string, tag: string, ctx: EventContext): Promise<void> {
    await this.registry.delete(name, tagReference(tag), ctx);
  }

  /** Removes the manifest and every tag pointing at it, as DELETE /v2/<name>/manifests/<digest> does. */
  async deleteManifest(name: string, digest: string, ctx: EventContext): Promise<void> {
    await this.registry.delete(name, { kind: 'digest', digest: parseDigest(digest) }, ctx);
  }

  /** Tags in storage (lexical order); undefined when storage has no such repository. */
  private async storedTags(name: string): Promise<string[] | undefined> {
    try {
      const tags: string[] = [];
      let last: string | undefined;
      do {
        const page = await this.storage.tags.list(name, last === undefined ? {} : { last });
        tags.push(...page.items);
        last = page.next;
      } while (last !== undefined);
      return tags;
    } catch (error) {
      if (error instanceof RegistryError && error.code === 'NAME_UNKNOWN') return undefined;
      throw error;
    }
  }

  private async tagSummary(name: string, tag: string): Promise<TagStorageFields> {
    let details: ManifestDetails;
    try {
      const digest: Digest = await this.storage.manifests.resolve(name, { kind: 'tag', tag });
      details = await this.details.details(name, digest);
    } catch (error) {
      if (!(error instanceof RegistryError)) throw error;
      return { digest: null, mediaType: null, size: null, created: null, platforms: [] };
    }
    return {
      digest: details.digest,
      mediaType: details.mediaType,
      size: details.size,
      created: details.created,
      platforms: details.platforms.map(({ os, architecture, variant }) => (variant === undefined ? { os, architecture } : { os, architecture, variant })),
    };
  }
}

function unknownCounters(tag: string): TagCountersOrUnknown {
  return { tag, pulls: null, pushes: null, lastPulledDay: null, lastPushedDay: null };
}

function tagReference(tag: string): { kind: 'tag'; tag: string } {
  if (!isValidTag(tag)) throw new RegistryError('TAG_INVALID', undefined, { message: 'not a valid tag: up to 128 letters, digits, _ . -, not starting with . or -' });
  return { kind: 'tag', tag };
}

async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  });
  await Promise.all(lanes);
  return results;
}
