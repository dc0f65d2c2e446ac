import { AccessPolicy, FailedLoginLimiter, HtpasswdStore } from '@wharf/auth';
import { ConfigError } from '@wharf/config';
import type { Logger } from '@wharf/observability';
import type { RegistrySettings } from '../registry-settings.js';
import { HtpasswdAuthenticator } from './htpasswd.authenticator.js';
import type { RegistryAuthenticator } from './registry-authenticator.js';
import { SillyAuthenticator } from './silly.authenticator.js';

/** The configured scheme's authenticator, or null for an open registry. Files are read here, at start-up. */
export async function createAuthenticator(settings: RegistrySettings, limiter: FailedLoginLimiter, logger: Logger): Promise<RegistryAuthenticator | null> {
  const auth = settings.auth;
  if (auth === undefined) return null;
  const policy = new AccessPolicy(settings.access);
  switch (auth.scheme) {
    case 'silly':
      logger.warn({ realm: auth.realm }, 'silly auth: any Authorization header is accepted; for development only');
      return new SillyAuthenticator(auth.realm, auth.service);
    case 'htpasswd': {
      const store = await openHtpasswd(auth.path, 'auth.htpasswd.path', logger);
      return new HtpasswdAuthenticator(auth.realm, store, policy, limiter);
    }
    case 'token':
      throw new ConfigError([{ path: 'auth.token', message: 'token authentication is not available in this Wharf build yet' }]);
  }
}

export async function openHtpasswd(path: string, key: string, logger: Logger): Promise<HtpasswdStore> {
  let store: HtpasswdStore;
  try {
    store = await HtpasswdStore.open(path);
  } catch (error) {
    throw new ConfigError([{ path: key, message: `cannot read ${path}: ${(error as Error).message}` }]);
  }
  if (store.skippedUsers.length > 0) {
    logger.warn({ path, users: store.skippedUsers }, 'htpasswd entries that are not bcrypt (htpasswd -B) are ignored');
  }
  return store;
}
