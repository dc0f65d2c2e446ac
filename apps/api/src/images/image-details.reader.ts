import {
  INDEX_MEDIA_TYPES,
  RegistryError,
  parseDigest,
  type BlobService,
  type Descriptor,
  type Digest,
  type ManifestService,
} from '@wharf/registry-core';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface ContentSummary {
  digest: string;
  mediaType: string;
  size: number;
}

/** What the dashboard shows of one manifest, read from storage. */
export interface ManifestDetails extends ContentSummary {
  /**
   * manifest + config + layers; for an index, the sum of its platforms' sizes (layers shared
   * between platforms count once per platform, as each platform's pull downloads them).
   */
  size: number;
  /** The image config's `created`; for an index, the newest of its platforms'; null when unknown. */
  created: string | null;
  config: ContentSummary | null;
  /** [] for an index: its platforms carry the content. */
  layers: ContentSummary[];
  /** An index's children; for an image, its own platform (from its config), if it names one. */
  platforms: (Platform & { digest: string; size: number })[];
}

const IMAGE_CONFIG_TYPES = new Set(['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json']);
// image configs are a few KiB; anything far larger is not worth holding in memory to find two fields
const MAX_CONFIG_BYTES = 1024 * 1024;
const CONFIG_CACHE_ENTRIES = 10_000;

interface ConfigFacts {
  created: string | null;
  platform: Platform | null;
}

/** Reads manifests and image configs through the registry-core services (no events: nobody pulled). */
export class ImageDetailsReader {
  // keyed by config digest: content-addressed, so an entry never goes stale
  private readonly configs = new Map<string, ConfigFacts>();

  constructor(
    private readonly manifests: Pick<ManifestService, 'get'>,
    private readonly blobs: Pick<BlobService, 'open'>,
  ) {}

  /** MANIFEST_UNKNOWN when the repository does not hold this manifest. */
  async details(name: string, digest: Digest): Promise<ManifestDetails> {
    return this.read(name, digest, true);
  }

  private async read(name: string, digest: Digest, expandIndex: boolean): Promise<ManifestDetails> {
    const manifest = await this.manifests.get(name, { kind: 'digest', digest });
    const base = { digest: manifest.digest.value, mediaType: manifest.mediaType };
    const doc = parseJson(manifest.bytes);
    if (INDEX_MEDIA_TYPES.has(manifest.mediaType)) {
      const children = descriptors(doc['manifests']);
      const platforms = expandIndex ? await Promise.all(children.map((child) => this.child(name, child))) : [];
      const created = platforms.map((p) => p.created).filter((c): c is string => c !== null).sort().at(-1) ?? null;
      const size = expandIndex ? platforms.reduce((sum, p) => sum + p.size, 0) : children.reduce((sum, c) => sum + c.size, 0);
      return { ...base, size, created, config: null, layers: [], platforms: platforms.map(({ created: _, ...platform }) => platform) };
    }
    const config = descriptors([doc['config']])[0];
    const layers = descriptors(doc['layers']).map(summary);
    const size = manifest.bytes.length + (config?.size ?? 0) + layers.reduce((sum, layer) => sum + layer.size, 0);
    const facts = config === undefined ? { created: null, platform: null } : await this.configFacts(name, config);
    return {
      ...base,
      size,
      created: facts.created,
      config: config === undefined ? null : summary(config),
      layers,
      platforms: facts.platform === null ? [] : [{ ...facts.platform, digest: manifest.digest.value, size }],
    };
  }

  /** One platform of an index; its descriptor alone when the child cannot be read. */
  private async child(name: string, child: Descriptor): Promise<Platform & { digest: string; size: number; created: string | null }> {
    const declared = platformOf(child.platform) ?? { os: 'unknown', architecture: 'unknown' };
    try {
      const details = await this.read(name, parseDigest(child.digest), false);
      return { ...declared, digest: child.digest, size: details.size, created: details.created };
    } catch (error) {
      if (!(error instanceof RegistryError)) throw error;
      return { ...declared, digest: child.digest, size: child.size, created: null };
    }
  }

  private async configFacts(name: string, config: Descriptor): Promise<ConfigFacts> {
    const cached = this.configs.get(config.digest);
    if (cached !== undefined) return cached;
    let facts: ConfigFacts = { created: null, platform: null };
    if (IMAGE_CONFIG_TYPES.has(config.mediaType) && config.size <= MAX_CONFIG_BYTES) {
      try {
        const { stream } = await this.blobs.open(name, parseDigest(config.digest));
        const chunks: Buffer[] = [];
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        const doc = parseJson(Buffer.concat(chunks));
        const created = typeof doc['created'] === 'string' && !Number.isNaN(Date.parse(doc['created'])) ? new Date(doc['created']).toISOString() : null;
        facts = { created, platform: platformOf(doc) };
      } catch (error) {
        if (!(error instanceof RegistryError)) throw error;
        return facts; // a config blob missing from the repository: unknown, and not remembered
      }
    }
    if (this.configs.size >= CONFIG_CACHE_ENTRIES) this.configs.delete(this.configs.keys().next().value!);
    this.configs.set(config.digest, facts);
    return facts;
  }
}

function summary(d: Descriptor): ContentSummary {
  return { digest: d.digest, mediaType: d.mediaType, size: d.size };
}

/** Stored manifests were validated on push, but another registry may have written them: read tolerantly. */
function descriptors(value: unknown): Descriptor[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (d): d is Descriptor =>
      d !== null && typeof d === 'object' && typeof d.digest === 'string' && typeof d.mediaType === 'string' && Number.isSafeInteger(d.size),
  );
}

function platformOf(value: unknown): Platform | null {
  if (value === null || typeof value !== 'object') return null;
  const { os, architecture, variant } = value as Record<string, unknown>;
  if (typeof os !== 'string' || typeof architecture !== 'string') return null;
  return typeof variant === 'string' && variant !== '' ? { os, architecture, variant } : { os, architecture };
}

function parseJson(bytes: Buffer): Record<string, unknown> {
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as unknown;
    return doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
