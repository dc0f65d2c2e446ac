import type { AccessConfig, AuthConfig, FailedLoginsConfig, TokenServerConfig, HttpTlsConfig, WharfConfig } from '@wharf/config';
import type { RegistryOptions } from '@wharf/registry-core';
import type { StorageSettings } from '@wharf/storage-drivers';

/** What the registry app needs from the configuration, in its own terms. */
export interface RegistrySettings {
  storage: StorageSettings;
  rules: RegistryOptions;
  /**
   * storage.maintenance.uploadpurging; `enabled` is already false on a read-only registry.
   * idleMs is limits.uploadexpiry (0: off): idle uploads go too.
   */
  uploadPurging: { enabled: boolean; ageMs: number; intervalMs: number; dryRun: boolean; idleMs: number };
  http: {
    /** `host:port`, `:port` or a unix socket path (with net: unix). */
    addr: string;
    net: 'tcp' | 'unix';
    /** Always starts and ends with '/': "/" or "/registry/". */
    prefix: string;
    /** External base URL for Location headers (http.host); else taken from each request. */
    host?: string;
    relativeUrls: boolean;
    headers: Record<string, string[]>;
    drainTimeoutMs: number;
    /** http.tls: serve HTTPS with these files; absent: plain HTTP. */
    tls?: HttpTlsConfig;
    /** HTTP/2 (negotiated by ALPN, HTTP/1.1 still served) when TLS is on; http.http2.disabled turns it off. */
    http2: boolean;
    /** http.h2c.enabled without TLS: HTTP/2 with prior knowledge beside HTTP/1.1 on the cleartext port. */
    h2c: boolean;
    /** limits.*: request head size and time, idle request bodies (0: no limit). */
    maxHeaderBytes: number;
    headerTimeoutMs: number;
    bodyIdleTimeoutMs: number;
    /** http.trustedproxies: only from these peers does X-Forwarded-For name the client (req.ip); empty: nobody. */
    trustedProxies: string[];
  };
  log: { level: 'error' | 'warn' | 'info' | 'debug'; fields: Record<string, unknown>; accessLog: boolean };
  /** catalog.maxentries and tags.maxtags: the largest `n` the listing APIs accept. */
  listing: { maxCatalogEntries: number; maxTags: number };
  /** What goes into registry events besides what happened. */
  events: { includeReferences: boolean };
  /** Absent: an open registry. */
  auth?: AuthConfig;
  /** The ACL (`access:`); absent: every authenticated user may do everything. */
  access?: AccessConfig;
  /** Wharf's token server, served beside the API when configured. */
  tokenServer?: TokenServerConfig;
  /** Failed sign-ins allowed per client address; absent: 10 per minute. */
  failedLogins?: FailedLoginsConfig;
  /** Pull-through caching (`proxy:` or `mirrors:`); an empty list: every repository is hosted. */
  upstreams: WharfConfig['upstreams'];
}
