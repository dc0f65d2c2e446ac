import { ALL_INDEX_CHILDREN, type IndexChildPolicy } from '../manifest/index-children.policy.js';
import { ANY_HTTP_URL, type UrlPolicy } from '../manifest/url-policy.js';

/** The registry rules that come from configuration (storage.delete, maintenance.readonly, limits, validation). */
export interface RegistryOptions {
  deleteEnabled: boolean;
  readOnly: boolean;
  /** Largest manifest accepted, in bytes; the spec asks registries to take at least 4 MiB. */
  maxManifestBytes: number;
  /** Bytes of manifests kept in memory (content-addressed, so never stale). */
  manifestCacheBytes: number;
  /** An upload that received no byte for this long is gone (BLOB_UPLOAD_UNKNOWN); 0: never. */
  uploadExpiryMs: number;
  /** validation.manifests.urls: what the URLs of foreign and OCI layers may be. */
  manifestUrls: UrlPolicy;
  /** validation.manifests.indexes: which children of an index must exist. */
  indexChildren: IndexChildPolicy;
  /** policy.repository.classes: manifest classes (image, plugin) that may be pushed; empty: any. */
  manifestClasses: readonly string[];
  /** storage.tag.concurrencylimit: tag links read at once when a manifest delete looks for its tags. */
  tagLookupConcurrency: number;
  /** Blob GETs and HEADs answer 307 to a URL the storage signs, when it can (storage.redirect). */
  redirectBlobs: boolean;
}

/** How long a redirect URL for a blob stays valid: registry:2's 20 minutes. */
export const BLOB_REDIRECT_EXPIRY_MS = 20 * 60_000;

export const DEFAULT_REGISTRY_OPTIONS: RegistryOptions = {
  deleteEnabled: false,
  readOnly: false,
  maxManifestBytes: 4 * 1024 * 1024,
  manifestCacheBytes: 64 * 1024 * 1024,
  uploadExpiryMs: 0,
  manifestUrls: ANY_HTTP_URL,
  indexChildren: ALL_INDEX_CHILDREN,
  manifestClasses: [],
  tagLookupConcurrency: 8,
  redirectBlobs: false,
};
