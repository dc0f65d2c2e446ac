import { z } from 'zod';

/**
 * What the environment-override walker needs to know beyond a schema's shape. Attached to the
 * schemas themselves so the key tree has one source of truth.
 */
export interface EnvHint {
  /**
   * Extra upper-case names accepted for keys of this object. registry:2 matches environment names
   * against Go struct field names, which differ from the YAML keys in a few places
   * (e.g. REGISTRY_NOTIFICATIONS_EVENTCONFIG_INCLUDEREFERENCES for notifications.events).
   */
  readonly aliases?: Readonly<Record<string, string>>;
  /**
   * A plain string assigned to this object selects one named entry (REGISTRY_STORAGE=inmemory,
   * REGISTRY_AUTH=htpasswd). Keys listed here survive the selection; every other key is replaced.
   */
  readonly selector?: { readonly keep: readonly string[] };
}

export const envHints = z.registry<EnvHint>();
