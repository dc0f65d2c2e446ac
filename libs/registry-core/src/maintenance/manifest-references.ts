/** What a stored manifest points at, as far as garbage collection is concerned. */
export interface ManifestReferences {
  /** Blobs the manifest needs: config, layers, an artifact's blobs, schema1 `fsLayers[].blobSum`. */
  blobs: string[];
  /** Child manifests of an index or manifest list. */
  manifests: string[];
  /** The manifest this one refers to (`subject`); it keeps nothing alive. */
  subject?: string;
}

type Json = Record<string, unknown>;

/**
 * Reads the references out of a stored manifest without validating it: whatever
 * registry wrote it (registry:2 with schema1, an OCI artifact manifest, a media type
 * Wharf does not accept on push), every digest it names in a known place is returned,
 * so collection never loses a blob a pullable manifest needs. Digests are returned as
 * written; callers skip those that are not valid. Throws only when the bytes are not a
 * JSON object at all: then nothing can be said about what the manifest needs.
 */
export function manifestReferences(bytes: Buffer): ManifestReferences {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new Error(`not JSON: ${err instanceof Error ? err.message.slice(0, 120) : 'parse error'}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('not a JSON object');
  const json = doc as Json;
  const blobs = [
    ...digestsOf([json.config], 'digest'),
    ...digestsOf(json.layers, 'digest'),
    ...digestsOf(json.blobs, 'digest'),
    ...digestsOf(json.fsLayers, 'blobSum'),
  ];
  const refs: ManifestReferences = { blobs, manifests: digestsOf(json.manifests, 'digest') };
  const [subject] = digestsOf([json.subject], 'digest');
  if (subject !== undefined) refs.subject = subject;
  return refs;
}

function digestsOf(list: unknown, key: string): string[] {
  if (!Array.isArray(list)) return [];
  const found: string[] = [];
  for (const item of list) {
    if (item === null || typeof item !== 'object') continue;
    const value = (item as Json)[key];
    if (typeof value === 'string') found.push(value);
  }
  return found;
}
