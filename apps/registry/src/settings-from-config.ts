import type { WharfConfig } from '@wharf/config';
import { DEFAULT_REGISTRY_OPTIONS } from '@wharf/registry-core';
import { storageSettingsFromConfig } from '@wharf/storage-drivers';
import type { RegistrySettings } from './registry-settings.js';

const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;
const MIN_PURGE_INTERVAL_MS = 60_000;

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
      // As registry:2, http.http2 only matters with TLS; cleartext HTTP/2 (h2c) is not served.
      http2: config.http.tls !== undefined && !config.http.http2.disabled,
      maxHeaderBytes: config.limits.maxHeaderBytes,
      headerTimeoutMs: config.limits.headerTimeoutMs,
      bodyIdleTimeoutMs: config.limits.bodyIdleTimeoutMs,
      trustedProxies: config.http.trustedProxies,
    },
    log: { level: config.log.level, fields: config.log.fields, accessLog: !config.log.accessLog.disabled },
    events: { includeReferences: config.notifications.events.includeReferences },
    ...(config.auth === undefined ? {} : { auth: config.auth }),
    ...(config.access === undefined ? {} : { access: config.access }),
    ...(config.tokenServer === undefined ? {} : { tokenServer: config.tokenServer }),
    failedLogins: config.failedLogins,
  };
}
