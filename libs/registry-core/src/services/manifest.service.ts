import { LRUCache } from 'lru-cache';
import { RegistryError } from '../errors/registry-error.js';
import { digestBytes, parseDigest, type Digest } from '../digest.js';
import { INDEX_MEDIA_TYPES } from '../media-types.js';
import type { Descriptor } from '../manifest/descriptor.js';
import { parseManifest, storedManifestMediaType, storedManifestReferences, type ParsedManifest } from '../manifest/manifest.parser.js';
import { requiredChildren } from '../manifest/index-children.policy.js';
import { assertUrlsAllowed } from '../manifest/url-policy.js';
import { assertManifestClassAllowed } from '../manifest/manifest-class.policy.js';
import type { EventContext } from '../events/event-context.js';
import type { RegistryEvents } from '../events/registry-events.js';
import { isValidTag, type ManifestReference } from '../reference.js';
import { paths } from '../storage/paths.js';
import { isPathNotFound, type StorageDriver } from '../storage/storage-driver.js';
import { LinkStore } from '../stores/link.store.js';
import type { BlobService } from './blob.service.js';
import type { ReferrersService } from './referrers.service.js';
import type { RegistryOptions } from './registry-options.js';
import type { WriteGuard } from './write-guard.js';

export interface StoredManifest {
  digest: Digest;
  mediaType: string;
  bytes: Buffer;
}

export interface PutManifestResult {
  digest: Digest;
  parsed: ParsedManifest;
  /** Tags that now point at the digest, and the digest each pointed at before (undefined: new tag). */
  tags: { tag: string; previous?: Digest }[];
}

/**
 * Manifests: validated on push, stored as blobs by digest, linked into the
 * repository as revisions and named by tags. Bytes are served exactly as pushed.
 */
export class ManifestService {
  private readonly links: LinkStore;
  // Content-addressed, so an entry can never go stale; only its links can change.
  private readonly cache: LRUCache<string, StoredManifest>;

  constructor(
    private readonly driver: StorageDriver,
    private readonly blobs: BlobService,
    private readonly referrers: ReferrersService,
    private readonly guard: WriteGuard,
    private readonly options: Pick<RegistryOptions, 'maxManifestBytes' | 'manifestCacheBytes' | 'manifestUrls' | 'indexChildren' | 'manifestClasses' | 'tagLookupConcurrency'>,
    private readonly events: RegistryEvents,
  ) {
    this.links = new LinkStore(driver, 10_000);
    this.cache = new LRUCache({ maxSize: Math.max(options.manifestCacheBytes, 1), sizeCalculation: (m) => m.bytes.length || 1 });
  }

  get maxBytes(): number {
    return this.options.maxManifestBytes;
  }

  /** The digest a reference names in this repository. */
  async resolve(name: string, reference: ManifestReference): Promise<Digest> {
    if (reference.kind === 'tag') {
      const digest = await this.links.readValidated(paths.tagCurrentLink(name, reference.tag));
      if (!digest) throw manifestUnknown({ tag: reference.tag });
      return digest;
    }
    if (!(await this.links.exists(paths.revisionLink(name, reference.digest)))) {
      throw manifestUnknown({ digest: reference.digest.value });
    }
    return reference.digest;
  }

  /**
   * The manifest a client asked for. `accept` lists the media types the client
   * takes; an index the client cannot read is answered with its linux/amd64
   * child when that is acceptable, as registry:2 does for old clients.
   */
  async get(name: string, reference: ManifestReference, accept: readonly string[] = [], ctx?: EventContext): Promise<StoredManifest> {
    const manifest = await this.negotiate(name, await this.load(await this.resolve(name, reference)), accept);
    if (ctx) {
      const tag = reference.kind === 'tag' ? reference.tag : undefined;
      await this.events.manifestPulled(ctx, name, this.facts(manifest), tag);
    }
    return manifest;
  }

  private async negotiate(name: string, manifest: StoredManifest, accept: readonly string[]): Promise<StoredManifest> {
    if (!INDEX_MEDIA_TYPES.has(manifest.mediaType) || acceptable(accept, manifest.mediaType)) return manifest;
    const child = defaultPlatformChild(manifest.bytes);
    if (!child || !acceptable(accept, child.mediaType)) return manifest;
    try {
      return await this.load(await this.resolve(name, { kind: 'digest', digest: parseDigest(child.digest) }));
    } catch {
      return manifest;
    }
  }

  private facts(manifest: StoredManifest) {
    return {
      digest: manifest.digest,
      mediaType: manifest.mediaType,
      size: manifest.bytes.length,
      references: this.events.includeReferences ? storedManifestReferences(manifest.bytes) : [],
    };
  }

  async put(
    name: string,
    reference: ManifestReference,
    bytes: Buffer,
    contentType: string | undefined,
    extraTags: readonly string[] = [],
    ctx?: EventContext,
  ): Promise<PutManifestResult> {
    this.guard.assertWritable();
    const invalidTag = extraTags.find((tag) => !isValidTag(tag));
    if (invalidTag !== undefined) throw new RegistryError('TAG_INVALID', { tag: invalidTag.slice(0, 200) }, { message: 'invalid tag' });
    if (bytes.length > this.options.maxManifestBytes) throw manifestTooLarge(this.options.maxManifestBytes);
    const parsed = parseManifest(bytes, contentType);
    const digest = digestBytes(bytes, reference.kind === 'digest' ? reference.digest.algorithm : 'sha256');
    if (reference.kind === 'digest' && reference.digest.value !== digest.value) {
      throw new RegistryError('DIGEST_INVALID', { expected: reference.digest.value, actual: digest.value });
    }
    assertManifestClassAllowed(parsed, this.options.manifestClasses);
    assertUrlsAllowed(parsed, this.options.manifestUrls);
    await this.assertReferencesPresent(name, parsed);

    if (!(await this.links.exists(paths.blobData(digest)))) {
      await this.driver.putContent(paths.blobData(digest), bytes);
    }
    await this.links.write(paths.revisionLink(name, digest), digest);
    if (parsed.subject) await this.referrers.add(name, parseDigest(parsed.subject.digest), digest, referrerDescriptor(digest, bytes.length, parsed));
    this.cache.set(digest.value, { digest, mediaType: parsed.mediaType, bytes });

    const tagNames = reference.kind === 'tag' ? [reference.tag, ...extraTags] : [...extraTags];
    const tags: PutManifestResult['tags'] = [];
    for (const tag of new Set(tagNames)) tags.push({ tag, previous: await this.tag(name, tag, digest) });
    if (ctx) {
      const facts = { digest, mediaType: parsed.mediaType, size: bytes.length, references: [...parsed.blobs, ...parsed.manifests] };
      await this.events.manifestPushed(ctx, name, facts, tags.map((t) => t.tag));
    }
    return { digest, parsed, tags };
  }

  /**
   * Stores a manifest fetched from an upstream (pull-through cache) and points `tag` at it. Its
   * bytes were checked against `digest` by the caller; they are parsed here, so a manifest that is
   * not one is never cached. Unlike `put`, the blobs it references need not be here: they are
   * fetched when a client asks for them. Returns the tag's previous digest.
   */
  async adopt(name: string, digest: Digest, bytes: Buffer, contentType: string | undefined, tag?: string): Promise<Digest | undefined> {
    if (bytes.length > this.options.maxManifestBytes) throw manifestTooLarge(this.options.maxManifestBytes);
    const parsed = parseManifest(bytes, contentType);
    if (!(await this.links.exists(paths.blobData(digest)))) await this.driver.putContent(paths.blobData(digest), bytes);
    await this.links.write(paths.revisionLink(name, digest), digest);
    if (parsed.subject) await this.referrers.add(name, parseDigest(parsed.subject.digest), digest, referrerDescriptor(digest, bytes.length, parsed));
    this.cache.set(digest.value, { digest, mediaType: parsed.mediaType, bytes });
    return tag === undefined ? undefined : this.tag(name, tag, digest);
  }

  /** Points a cached repository's tag at a manifest it holds; returns where it pointed before. */
  adoptTag(name: string, tag: string, digest: Digest): Promise<Digest | undefined> {
    return this.tag(name, tag, digest);
  }

  /** Whether the repository holds this manifest (a revision link). */
  holds(name: string, digest: Digest): Promise<boolean> {
    return this.links.exists(paths.revisionLink(name, digest));
  }

  /** Where a tag points, without an error when it points nowhere. */
  tagged(name: string, tag: string): Promise<Digest | undefined> {
    return this.links.readValidated(paths.tagCurrentLink(name, tag));
  }

  /**
   * Removes a cached manifest whose time ran out (pull-through cache expiry): its revision and every
   * tag pointing at it. No write guard and no event: this is the cache forgetting, not a client's delete.
   */
  async evict(name: string, digest: Digest): Promise<void> {
    await this.removeRevision(name, digest);
  }

  /**
   * By tag: removes the tag. By digest: removes the manifest from the repository
   * together with every tag pointing at it, as registry:2 does.
   */
  async delete(name: string, reference: ManifestReference, ctx?: EventContext): Promise<{ digest: Digest; tags: string[] }> {
    this.guard.assertDeletable();
    const digest = await this.resolve(name, reference);
    if (reference.kind === 'tag') {
      await this.links.remove(paths.tagDir(name, reference.tag));
      if (ctx) await this.events.tagDeleted(ctx, name, reference.tag);
      return { digest, tags: [reference.tag] };
    }
    const untagged = await this.removeRevision(name, digest);
    if (ctx) await this.events.manifestDeleted(ctx, name, digest);
    return { digest, tags: untagged };
  }

  /** Takes a manifest out of the repository with every tag pointing at it; returns those tags. */
  private async removeRevision(name: string, digest: Digest): Promise<string[]> {
    const manifest = await this.load(digest).catch(() => undefined);
    const subject = manifest && subjectOf(manifest.bytes);
    if (subject) await this.referrers.remove(name, subject, digest);
    await this.links.remove(paths.revisionDir(name, digest));
    // A manifest is also a blob of its repository (HEAD /blobs/<digest>): no cached answer may outlive it.
    await this.blobs.forget(name, digest);
    const untagged: string[] = [];
    const tags = await this.links.children(paths.tags(name));
    // Every tag link is read to find those naming the digest; storage.tag.concurrencylimit bounds how many at once.
    let next = 0;
    const lookup = async (): Promise<void> => {
      while (next < tags.length) {
        const tag = tags[next++]!;
        const current = await this.links.read(paths.tagCurrentLink(name, tag));
        if (current?.value === digest.value) {
          await this.links.remove(paths.tagDir(name, tag));
          untagged.push(tag);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.tagLookupConcurrency, tags.length) }, lookup));
    return untagged.sort();
  }

  private async tag(name: string, tag: string, digest: Digest): Promise<Digest | undefined> {
    const previous = await this.links.read(paths.tagCurrentLink(name, tag));
    if (previous?.value === digest.value) return previous;
    // The index entry is history only; nothing reads it to resolve the tag, so both go at once.
    await Promise.all([this.links.write(paths.tagIndexLink(name, tag, digest), digest), this.links.write(paths.tagCurrentLink(name, tag), digest)]);
    return previous;
  }

  private async load(digest: Digest): Promise<StoredManifest> {
    const cached = this.cache.get(digest.value);
    if (cached) return cached;
    let bytes: Buffer;
    try {
      bytes = await this.driver.getContent(paths.blobData(digest));
    } catch (err) {
      if (isPathNotFound(err)) throw manifestUnknown({ digest: digest.value });
      throw err;
    }
    const manifest = { digest, mediaType: storedManifestMediaType(bytes), bytes };
    this.cache.set(digest.value, manifest);
    return manifest;
  }

  private async assertReferencesPresent(name: string, parsed: ParsedManifest): Promise<void> {
    const checks = [
      ...parsed.blobs.map(async (d) => ((await this.blobs.isLinked(name, parseDigest(d.digest))) ? undefined : d.digest)),
      ...requiredChildren(parsed.manifests, this.options.indexChildren).map(async (d) =>
        (await this.links.exists(paths.revisionLink(name, parseDigest(d.digest)))) ? undefined : d.digest,
      ),
    ];
    const missing = (await Promise.all(checks)).filter((d): d is string => d !== undefined);
    if (missing.length > 0) throw new RegistryError('MANIFEST_BLOB_UNKNOWN', { digests: missing });
  }
}

function referrerDescriptor(digest: Digest, size: number, parsed: ParsedManifest): Descriptor {
  const descriptor: Descriptor = { mediaType: parsed.mediaType, digest: digest.value, size };
  if (parsed.artifactType !== undefined) descriptor.artifactType = parsed.artifactType;
  if (parsed.annotations !== undefined) descriptor.annotations = parsed.annotations;
  return descriptor;
}

function subjectOf(bytes: Buffer): Digest | undefined {
  try {
    const subject = (JSON.parse(bytes.toString('utf8')) as { subject?: { digest?: string } }).subject;
    return subject?.digest ? parseDigest(subject.digest) : undefined;
  } catch {
    return undefined;
  }
}

function defaultPlatformChild(bytes: Buffer): Descriptor | undefined {
  try {
    const index = JSON.parse(bytes.toString('utf8')) as { manifests?: Descriptor[] };
    return index.manifests?.find((m) => m.platform?.os === 'linux' && m.platform?.architecture === 'amd64');
  } catch {
    return undefined;
  }
}

function acceptable(accept: readonly string[], mediaType: string): boolean {
  return accept.length === 0 || accept.includes(mediaType) || accept.includes('*/*');
}

function manifestUnknown(detail: Record<string, string>): RegistryError {
  return new RegistryError('MANIFEST_UNKNOWN', detail);
}

function manifestTooLarge(limit: number): RegistryError {
  return new RegistryError('MANIFEST_INVALID', `manifest exceeds the ${limit} byte limit`, {
    status: 413,
    message: 'manifest too large',
  });
}
