import type { WharfConfig } from '@wharf/config';
import { ALL_INDEX_CHILDREN, DEFAULT_REGISTRY_OPTIONS, urlPolicy, type RegistryOptions } from '@wharf/registry-core';
import { storageSettingsFromConfig } from '@wharf/storage-drivers';
import { availableParallelism } from 'node:os';
import type { RegistrySettings } from './registry-settings.js';

const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
const MIN_PURGE_INTERVAL_MS = 60_000;
// registry:2 uses GOMAXPROCS (the number of CPUs) when storage.tag.concurrencylimit is unset.
const DEFAULT_TAG_CONCURRENCY = availableParallelism();

/** Maps the registry:2-shaped configuration onto what the registry app uses. */
export function settingsFromConfig(config: WharfConfig): RegistrySettings {
  const readOnly = config.storage.maintenance.readOnly.enabled;
  const purging = config.storage.maintenance.uploadPurging;
  return {
    storage: storageSettingsFromConfig(config),
    rules: {
      ...DEFAULT_REGISTRY_OPTIONS,
      deleteEnabled: config.storage.delete.enabled,
      readOnly,
      maxManifestBytes: config.limits.maxManifestBytes,
      uploadExpiryMs: config.limits.uploadExpiryMs,
      ...manifestRules(config),
      redirectBlobs: !config.storage.redirect.disable,
    },
    // As registry:2: a read-only registry deletes nothing, abandoned uploads included.
    uploadPurging: {
      ...purging,
      enabled: purging.enabled && !readOnly,
      idleMs: config.limits.uploadExpiryMs,
      // Expired uploads also leave the disk within about one expiry period.
      intervalMs: config.limits.uploadExpiryMs > 0 ? Math.min(purging.intervalMs, Math.max(config.limits.uploadExpiryMs, MIN_PURGE_INTERVAL_MS)) : purging.intervalMs,
    },
    http: {
      addr: config.http.addr,
      net: config.http.net,
      prefix: config.http.prefix,
      host: config.http.host,
      relativeUrls: config.http.relativeUrls,
      headers: config.http.headers,
      // registry:2 cuts in-flight requests when draintimeout is unset; Wharf gives them a moment.
      drainTimeoutMs: config.http.drainTimeoutMs || DEFAULT_DRAIN_TIMEOUT_MS,
      ...(config.http.tls === undefined ? {} : { tls: config.http.tls }),
      // As registry:2, http.http2 only matters with TLS and http.h2c only without (ALPN decides there).
      http2: config.http.tls !== undefined && !config.http.http2.disabled,
      h2c: config.http.tls === undefined && config.http.h2c.enabled,
      maxHeaderBytes: config.limits.maxHeaderBytes,
      headerTimeoutMs: config.limits.headerTimeoutMs,
      bodyIdleTimeoutMs: config.limits.bodyIdleTimeoutMs,
      trustedProxies: config.http.trustedProxies,
    },
    log: { level: config.log.level, fields: config.log.fields, accessLog: !config.log.accessLog.disabled },
    listing: { maxCatalogEntries: config.catalog.maxEntries, maxTags: config.tags.maxTags },
    events: { includeReferences: config.notifications.events.includeReferences },
    ...(config.auth === undefined ? {} : { auth: config.auth }),
    ...(config.access === undefined ? {} : { access: config.access }),
    ...(config.tokenServer === undefined ? {} : { tokenServer: config.tokenServer }),
    failedLogins: config.failedLogins,
    upstreams: config.upstreams,
  };
}

/** validation (URLs, index children), policy (classes) and storage.tag as the manifest service's rules. */
export function manifestRules(config: WharfConfig): Pick<RegistryOptions, 'manifestUrls' | 'indexChildren' | 'manifestClasses' | 'tagLookupConcurrency'> {
  const { validation } = config;
  return {
    manifestUrls: urlPolicy({ enabled: validation.enabled, ...validation.manifests.urls }),
    // As registry:2 3.x, indexes.platforms applies with validation on; off, every child is checked (as 2.8).
    indexChildren: validation.enabled ? validation.manifests.indexes : ALL_INDEX_CHILDREN,
    manifestClasses: config.policy.repository.classes,
    tagLookupConcurrency: config.storage.tag.concurrencyLimit ?? DEFAULT_TAG_CONCURRENCY,
  };
}
