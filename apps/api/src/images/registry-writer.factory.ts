import { ConfigError, type WharfConfig } from '@wharf/config';
import { WriteGuard, type RegistryWriter } from '@wharf/registry-core';
import { registryApiUrl } from './registry-address.js';
import { registryCredentials } from './registry-credentials.js';
import { RegistryHttpWriter } from './registry-http.writer.js';

/**
 * The writer of an api role whose process does not host the registry: the registry's /v2 API, or,
 * when the same file says the registry refuses deletes (`storage.delete.enabled` off, read-only),
 * the registry's own refusal without a request. A setup in which the API could not act for its
 * users is refused at start-up, naming the key.
 */
export async function remoteRegistryWriter(config: WharfConfig): Promise<RegistryWriter> {
  const rules = { deleteEnabled: config.storage.delete.enabled, readOnly: config.storage.maintenance.readOnly.enabled };
  if (!rules.deleteEnabled || rules.readOnly) {
    const guard = new WriteGuard(rules);
    return { delete: async () => guard.assertDeletable() };
  }
  const url = registryApiUrl(config);
  if (url === undefined) {
    throw new ConfigError([{ path: 'api.registryurl', message: 'required: the registry listens on a unix socket (http.net: unix) and the api role runs in another process' }]);
  }
  return new RegistryHttpWriter(url, await registryCredentials(config));
}
