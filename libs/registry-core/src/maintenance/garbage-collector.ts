import { parseDigest, type Digest } from '../digest.js';
import { BLOBS, paths, REPOSITORIES } from '../storage/paths.js';
import { isPathNotFound, type StorageDriver } from '../storage/storage-driver.js';
import { LinkStore } from '../stores/link.store.js';
import { manifestReferences, type ManifestReferences } from './manifest-references.js';
import { RepositoryWalker, type RepositoryDir } from './repository.walker.js';

export interface GarbageCollectionOptions {
  /** Find and report everything, delete nothing. */
  dryRun?: boolean;
  /** Also remove manifest revisions that no tag points at (registry:2's `--delete-untagged`). */
  deleteUntagged?: boolean;
  /** One line per item found for deletion, warnings, and the totals; registry:2's wording where it has one. */
  log?: (line: string) => void;
}

export interface CollectedManifest {
  repository: string;
  digest: string;
  /** Tags whose history (`tags/<tag>/index`) named the revision; those entries go with it. */
  tags: string[];
}

/** What a run found. In a dry run the `…Deleted` counts and lists are what would have been deleted. */
export interface GarbageCollectionReport {
  dryRun: boolean;
  repositories: number;
  /** Distinct digests kept: manifests and the blobs they reference. */
  blobsMarked: number;
  blobsDeleted: number;
  /** Bytes of the deleted blobs' data files. */
  bytesFreed: number;
  manifestsDeleted: number;
  layerLinksDeleted: number;
  deletedBlobs: string[];
  deletedManifests: CollectedManifest[];
  deletedLayerLinks: { repository: string; digest: string }[];
  warnings: string[];
}

/** A manifest read from storage: its references, or why there are none. */
type LoadedManifest = { refs: ManifestReferences } | { missing: true } | { unreadable: string };

interface RepositoryFindings {
  name: string;
  /** Revisions to remove (only with deleteUntagged), with their references for the referrers index. */
  deadRevisions: { digest: Digest; refs: ManifestReferences | undefined; tags: string[] }[];
  /** Every `_layers` link of the repository. */
  layerLinks: Digest[];
}

// Reads and stats are independent; a few at a time keeps a large registry quick without flooding the driver.
const CONCURRENCY = 16;

/**
 * Offline mark-and-sweep over the registry:2 layout, with registry:2's semantics
 * (`registry garbage-collect`), meant to run while the registry is stopped or read-only:
 * a push that runs meanwhile can lose blobs it uploaded but has not yet referenced.
 *
 * Mark: in every repository, every manifest revision (with `deleteUntagged`, only those a
 * tag points at) is live, and so is everything reachable from a live manifest: its config
 * and layers, an index's child manifests, recursively, and the manifests in the repository
 * whose `subject` is a live manifest (a signature or SBOM stays with its image). A
 * `subject` itself keeps nothing alive. Live manifests and all they reference are marked.
 *
 * Sweep: untagged revisions that are not live go (revision link, tag-history entries,
 * referrers-index entry); then `_layers` links to unmarked blobs, which registry:2 2.8
 * leaves dangling (HEAD then fails instead of answering 404); then every unmarked blob.
 * That order keeps an interrupted run safe: nothing ever names a blob that is gone.
 *
 * Nothing is deleted until the whole mark phase has succeeded. A manifest revision that
 * cannot be interpreted (not JSON, an unsupported digest algorithm, an unreadable tag
 * with deleteUntagged) stops the run, because what it keeps alive is unknown.
 */
export class GarbageCollector {
  private readonly links: LinkStore;
  private readonly walker: RepositoryWalker;

  constructor(private readonly driver: StorageDriver) {
    this.links = new LinkStore(driver);
    this.walker = new RepositoryWalker(driver);
  }

  async run(options: GarbageCollectionOptions = {}): Promise<GarbageCollectionReport> {
    const dryRun = options.dryRun ?? false;
    const log = options.log ?? (() => undefined);
    const warnings: string[] = [];
    const warn = (message: string): void => {
      warnings.push(message);
      log(`warning: ${message}`);
    };

    // registry:2 fails here too: with no repositories/ at all every blob would look unreferenced,
    // which is far more likely a wrong rootdirectory or a half-copied volume than an empty registry.
    if (!(await this.links.exists(REPOSITORIES)) && (await this.links.exists(BLOBS))) {
      throw new Error(`the storage holds blobs but no ${REPOSITORIES} folder; nothing was deleted (is the storage root right?)`);
    }

    // mark
    const marked = new Set<string>();
    const manifests = new Map<string, LoadedManifest>();
    const repositories = await this.walker.list();
    const findings: RepositoryFindings[] = [];
    for (const repository of repositories) {
      findings.push(await this.markRepository(repository, options.deleteUntagged ?? false, marked, manifests, warn));
    }

    // what goes
    const deadManifests = findings.flatMap((f) => f.deadRevisions.map((r) => ({ name: f.name, ...r })));
    const deadLinks = findings.flatMap((f) => f.layerLinks.filter((d) => !marked.has(d.value)).map((digest) => ({ name: f.name, digest })));
    const deadBlobs = await this.unmarkedBlobs(marked);

    for (const m of deadManifests) log(`manifest eligible for deletion: ${m.name}@${m.digest.value}`);
    log(`${marked.size} blobs marked, ${deadBlobs.length} blobs and ${deadManifests.length} manifests eligible for deletion`);
    for (const b of deadBlobs) log(`blob eligible for deletion: ${b.digest.value}`);
    for (const l of deadLinks) log(`${l.name}: layer link eligible for deletion: ${l.digest.value}`);

    // sweep
    if (!dryRun) {
      for (const m of deadManifests) await this.removeRevision(m.name, m.digest, m.refs);
      await mapLimit(deadLinks, CONCURRENCY, (l) => this.links.remove(paths.layerDir(l.name, l.digest)));
      await mapLimit(deadBlobs, CONCURRENCY, (b) => this.links.remove(paths.blobDir(b.digest)));
    }

    const bytesFreed = deadBlobs.reduce((sum, b) => sum + b.size, 0);
    log(
      `${deadLinks.length} layer links eligible for deletion; ${bytesFreed} bytes ${dryRun ? 'would be freed (dry run: nothing was deleted)' : 'freed'}`,
    );
    return {
      dryRun,
      repositories: repositories.filter((r) => r.internal.has('_manifests')).length,
      blobsMarked: marked.size,
      blobsDeleted: deadBlobs.length,
      bytesFreed,
      manifestsDeleted: deadManifests.length,
      layerLinksDeleted: deadLinks.length,
      deletedBlobs: deadBlobs.map((b) => b.digest.value),
      deletedManifests: deadManifests.map((m) => ({ repository: m.name, digest: m.digest.value, tags: m.tags })),
      deletedLayerLinks: deadLinks.map((l) => ({ repository: l.name, digest: l.digest.value })),
      warnings,
    };
  }

  private async markRepository(
    repository: RepositoryDir,
    deleteUntagged: boolean,
    marked: Set<string>,
    manifests: Map<string, LoadedManifest>,
    warn: (message: string) => void,
  ): Promise<RepositoryFindings> {
    const { name } = repository;
    const revisions = await this.revisionsOf(name);
    const loaded = await mapLimit(revisions, CONCURRENCY, (d) => this.load(d, manifests));
    const refsByRevision = new Map<string, ManifestReferences | undefined>();
    // Which revisions name a given subject: a referrer of a live manifest is live.
    const referrers = new Map<string, Digest[]>();
    for (const [i, digest] of revisions.entries()) {
      const manifest = loaded[i]!;
      if ('unreadable' in manifest) {
        throw new Error(`${name}: manifest ${digest.value} cannot be read (${manifest.unreadable}); nothing was deleted`);
      }
      if ('missing' in manifest) warn(`${name}: revision ${digest.value} has no manifest blob`);
      const refs = 'refs' in manifest ? manifest.refs : undefined;
      refsByRevision.set(digest.value, refs);
      const subject = refs?.subject === undefined ? undefined : validDigest(refs.subject);
      if (subject) referrers.set(subject.value, [...(referrers.get(subject.value) ?? []), digest]);
    }

    const tagged = await this.taggedDigests(name, deleteUntagged, warn);
    // Tagged digests are roots even without a revision link: Wharf serves a tag from its link alone.
    const roots = deleteUntagged ? [...tagged.values()] : [...revisions, ...tagged.values()];
    const live = new Set<string>();
    const queue = [...roots];
    while (queue.length > 0) {
      const digest = queue.pop()!;
      if (live.has(digest.value)) continue;
      live.add(digest.value);
      marked.add(digest.value);
      queue.push(...(referrers.get(digest.value) ?? []));
      const manifest = refsByRevision.has(digest.value) ? refsByRevision.get(digest.value) : await this.childReferences(name, digest, manifests, warn);
      if (!manifest) continue;
      // A digest that does not parse names no stored blob (the sweep skips what it cannot parse).
      for (const blob of manifest.blobs) {
        const d = validDigest(blob);
        if (d) marked.add(d.value);
      }
      for (const child of manifest.manifests) {
        const d = validDigest(child);
        if (d) queue.push(d);
      }
    }

    const deadRevisions: RepositoryFindings['deadRevisions'] = [];
    if (deleteUntagged) {
      const tags = await this.links.children(paths.tags(name));
      for (const digest of revisions) {
        if (live.has(digest.value)) continue;
        const history = [];
        for (const tag of tags) if (await this.links.exists(paths.tagIndexLink(name, tag, digest))) history.push(tag);
        deadRevisions.push({ digest, refs: refsByRevision.get(digest.value), tags: history });
      }
    }
    return { name, deadRevisions, layerLinks: await this.layerLinksOf(name) };
  }

  /** A child or tagged manifest that is not a revision of the repository: followed if readable, never fatal. */
  private async childReferences(
    name: string,
    digest: Digest,
    manifests: Map<string, LoadedManifest>,
    warn: (message: string) => void,
  ): Promise<ManifestReferences | undefined> {
    const manifest = await this.load(digest, manifests);
    if ('refs' in manifest) return manifest.refs;
    if ('unreadable' in manifest) warn(`${name}: ${digest.value} is referenced as a manifest but cannot be read (${manifest.unreadable})`);
    return undefined;
  }

  /** Manifests are content-addressed: one read serves every repository holding the digest. */
  private async load(digest: Digest, manifests: Map<string, LoadedManifest>): Promise<LoadedManifest> {
    const cached = manifests.get(digest.value);
    if (cached) return cached;
    let manifest: LoadedManifest;
    try {
      const bytes = await this.driver.getContent(paths.blobData(digest));
      try {
        manifest = { refs: manifestReferences(bytes) };
      } catch (err) {
        manifest = { unreadable: err instanceof Error ? err.message : String(err) };
      }
    } catch (err) {
      if (!isPathNotFound(err)) throw err;
      manifest = { missing: true };
    }
    manifests.set(digest.value, manifest);
    return manifest;
  }

  private async revisionsOf(name: string): Promise<Digest[]> {
    const revisions: Digest[] = [];
    for (const [algorithm, hex] of await this.linkedDigests(paths.revisions(name))) {
      const digest = validDigest(`${algorithm}:${hex}`);
      // Its references are unknown to Wharf, so sweeping could take blobs it needs.
      if (!digest) throw new Error(`${name}: revision ${algorithm}:${hex} is not a digest Wharf can read; nothing was deleted`);
      revisions.push(digest);
    }
    return revisions;
  }

  /** `<alg>/<hex>` of every `<base>/<alg>/<hex>/link` file: one flat walk, no request per digest. */
  private async linkedDigests(base: string): Promise<[string, string][]> {
    const found: [string, string][] = [];
    for await (const file of this.driver.walk(base)) {
      const parts = file.path.slice(base.length + 1).split('/');
      if (parts.length === 3 && parts[2] === 'link') found.push([parts[0]!, parts[1]!]);
    }
    return found;
  }

  /** The digest each tag points at now. */
  private async taggedDigests(name: string, deleteUntagged: boolean, warn: (message: string) => void): Promise<Map<string, Digest>> {
    const tagged = new Map<string, Digest>();
    for (const tag of await this.links.children(paths.tags(name))) {
      let digest: Digest | undefined;
      try {
        digest = await this.links.read(paths.tagCurrentLink(name, tag));
      } catch (err) {
        const why = `${name}: tag ${tag} does not hold a readable digest (${err instanceof Error ? err.message : String(err)})`;
        // Without knowing what the tag names, no revision can be called untagged.
        if (deleteUntagged) throw new Error(`${why}; nothing was deleted`);
        warn(why);
        continue;
      }
      if (digest) tagged.set(digest.value, digest);
    }
    return tagged;
  }

  private async layerLinksOf(name: string): Promise<Digest[]> {
    const found: Digest[] = [];
    for (const [algorithm, hex] of await this.linkedDigests(paths.layers(name))) {
      // A link Wharf cannot read is left alone.
      const digest = validDigest(`${algorithm}:${hex}`);
      if (digest) found.push(digest);
    }
    return found;
  }

  /** Every stored blob (`blobs/<alg>/<xx>/<hex>/data`) not marked, with its size, sorted by digest: one flat walk. */
  private async unmarkedBlobs(marked: Set<string>): Promise<{ digest: Digest; size: number }[]> {
    const found: { digest: Digest; size: number }[] = [];
    for await (const file of this.driver.walk(BLOBS)) {
      const [algorithm, prefix, hex, name, ...rest] = file.path.slice(BLOBS.length + 1).split('/');
      // Only what sits exactly where the layout puts it is a blob; anything else is not ours to judge.
      if (name !== 'data' || rest.length > 0 || prefix?.length !== 2 || !hex?.startsWith(prefix)) continue;
      const digest = validDigest(`${algorithm}:${hex}`);
      if (digest && !marked.has(digest.value)) found.push({ digest, size: file.size });
    }
    return found.sort((a, b) => (a.digest.value < b.digest.value ? -1 : 1));
  }

  /** Referrers-index entry first, then tag history, then the revision: the revision link is what makes it a manifest. */
  private async removeRevision(name: string, digest: Digest, refs: ManifestReferences | undefined): Promise<void> {
    const subject = refs?.subject === undefined ? undefined : validDigest(refs.subject);
    if (subject) await this.links.remove(paths.referrerDir(name, subject, digest));
    for (const tag of await this.links.children(paths.tags(name))) {
      await this.links.remove(parentOf(paths.tagIndexLink(name, tag, digest)));
    }
    await this.links.remove(paths.revisionDir(name, digest));
  }
}


function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

function validDigest(value: string): Digest | undefined {
  try {
    return parseDigest(value);
  } catch {
    return undefined;
  }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
