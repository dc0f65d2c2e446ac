/** The registry rules that come from configuration (storage.delete, maintenance.readonly, limits). */
export interface RegistryOptions {
  deleteEnabled: boolean;
  readOnly: boolean;
  /** Largest manifest accepted, in bytes; the spec asks registries to take at least 4 MiB. */
  maxManifestBytes: number;
  /** Bytes of manifests kept in memory (content-addressed, so never stale). */
  manifestCacheBytes: number;
  /** An upload that received no byte for this long is gone (BLOB_UPLOAD_UNKNOWN); 0: never. */
  uploadExpiryMs: number;
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
  redirectBlobs: false,
};
