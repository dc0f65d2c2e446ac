import type { AccessConfig, AuthConfig, TokenServerConfig } from '@wharf/config';
import type { RegistryOptions } from '@wharf/registry-core';
import type { StorageSettings } from '@wharf/storage-drivers';

/** What the registry app needs from the configuration, in its own terms. */
export interface RegistrySettings {
  storage: StorageSettings;
  rules: RegistryOptions;
  /** storage.maintenance.uploadpurging; `enabled` is already false on a read-only registry. */
  uploadPurging: { enabled: boolean; ageMs: number; intervalMs: number; dryRun: boolean };
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
  };
  log: { level: 'error' | 'warn' | 'info' | 'debug'; fields: Record<string, unknown>; accessLog: boolean };
  /** What goes into registry events besides what happened. */
  events: { includeReferences: boolean };
  /** Absent: an open registry. */
  auth?: AuthConfig;
  /** The ACL (`access:`); absent: every authenticated user may do everything. */
  access?: AccessConfig;
  /** Wharf's token server, served beside the API when configured. */
  tokenServer?: TokenServerConfig;
}
