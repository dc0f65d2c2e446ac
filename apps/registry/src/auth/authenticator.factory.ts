import { AccessPolicy, chainsToRoot, FailedLoginLimiter, HtpasswdStore, parseCertificates, TokenIssuer, TokenVerifier } from '@wharf/auth';
import { readFile } from 'node:fs/promises';
import { ConfigError } from '@wharf/config';
import type { Logger } from '@wharf/observability';
import type { RegistrySettings } from '../registry-settings.js';
import { HtpasswdAuthenticator } from './htpasswd.authenticator.js';
import type { RegistryAuthenticator } from './registry-authenticator.js';
import { SillyAuthenticator } from './silly.authenticator.js';
import { TokenAuthenticator } from './token.authenticator.js';
import { TokenEndpoint } from './token-endpoint.js';

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
    case 'token': {
      let verifier: TokenVerifier;
      try {
        verifier = await TokenVerifier.fromFiles({
          issuer: auth.issuer,
          service: auth.service,
          algorithms: auth.signingAlgorithms,
          ...(auth.rootCertBundle === undefined ? {} : { rootCertBundle: auth.rootCertBundle }),
          ...(auth.jwks === undefined ? {} : { jwks: auth.jwks }),
        });
      } catch (error) {
        throw new ConfigError([{ path: auth.rootCertBundle === undefined ? 'auth.token.jwks' : 'auth.token.rootcertbundle', message: (error as Error).message }]);
      }
      return new TokenAuthenticator(auth.realm, auth.service, verifier, auth.autoRedirect ? auth.autoRedirectPath : undefined);
    }
  }
}

/** The token server of a `tokenserver:` section, or null; its key, certificate and htpasswd are read here. */
export async function createTokenEndpoint(settings: RegistrySettings, limiter: FailedLoginLimiter, logger: Logger): Promise<TokenEndpoint | null> {
  const server = settings.tokenServer;
  if (server === undefined) return null;
  let issuer: TokenIssuer;
  try {
    issuer = await TokenIssuer.fromFiles(server.issuer, server.key, server.certificate, server.expirationMs);
  } catch (error) {
    throw new ConfigError([{ path: 'tokenserver.key', message: `cannot use ${server.key} with ${server.certificate}: ${(error as Error).message}` }]);
  }
  const auth = settings.auth;
  if (auth?.scheme === 'token' && auth.rootCertBundle !== undefined && auth.jwks === undefined) {
    // Tokens this server signs must pass this registry's own check; say so now rather than on every push.
    const chain = parseCertificates(await readFile(server.certificate, 'utf8'));
    const roots = parseCertificates(await readFile(auth.rootCertBundle, 'utf8'));
    if (!chainsToRoot(chain, roots)) {
      throw new ConfigError([{ path: 'tokenserver.certificate', message: `not trusted by auth.token.rootcertbundle (${auth.rootCertBundle})` }]);
    }
  }
  const store = await openHtpasswd(server.htpasswd, 'tokenserver.htpasswd', logger);
  const service = auth?.scheme === 'token' ? auth.service : undefined;
  logger.info({ path: server.path, issuer: server.issuer }, 'token server enabled');
  return new TokenEndpoint(server, service, store, new AccessPolicy(settings.access), issuer, limiter, logger);
}

async function openHtpasswd(path: string, key: string, logger: Logger): Promise<HtpasswdStore> {
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
