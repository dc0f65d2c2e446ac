import { AccessPolicy, grantedAccess, TokenIssuer } from '@wharf/auth';
import { ConfigError, type WharfConfig } from '@wharf/config';

/**
 * How an api role in another process than the registry proves, on each write it sends to `/v2`,
 * who asked: the registry then authorizes the user with its own rules and names them as the
 * event's `actor.name`.
 */
export interface RegistryCredentials {
  /** The Authorization header for `user` deleting in `repository`; undefined: send none. */
  authorization(user: string | undefined, repository: string): Promise<string | undefined>;
}

const CO_HOST = 'host the api in the registry\'s process (--roles registry,api)';

/**
 * Decided once, at start-up, from the registry's `auth` section (the same file), for a registry
 * that accepts deletes:
 * - none: the registry is open, there is nobody to name;
 * - `auth.silly`: any header passes (the actor is "silly", as registry:2 names it);
 * - `auth.token` with a `tokenserver` section: the API signs a short token for the signed-in user
 *   with the token server's key, granting `delete` on the repository only if `access` grants it;
 * - `auth.token` without a token server, or `auth.htpasswd`: the API holds no key and no password
 *   (sessions are tokens), so it cannot act for its users: refused, naming the key.
 */
export async function registryCredentials(config: WharfConfig): Promise<RegistryCredentials> {
  const auth = config.auth;
  if (auth === undefined) return { authorization: async () => undefined };
  switch (auth.scheme) {
    case 'silly':
      return { authorization: async () => 'Bearer wharf-api' };
    case 'htpasswd':
      throw new ConfigError([
        {
          path: 'auth.htpasswd',
          message:
            'the api role deletes through a registry in another process, which checks passwords, and the API keeps none (its ' +
            `sessions are tokens): ${CO_HOST}, use auth.token with a tokenserver section, or turn storage.delete.enabled off`,
        },
      ]);
    case 'token': {
      const server = config.tokenServer;
      if (server === undefined) {
        throw new ConfigError([
          {
            path: 'tokenserver',
            message:
              'the api role deletes through a registry in another process that takes tokens from an outside token server, and the ' +
              `API has no key to sign one for its users: ${CO_HOST}, use Wharf's tokenserver section, or turn storage.delete.enabled off`,
          },
        ]);
      }
      let issuer: TokenIssuer;
      try {
        issuer = await TokenIssuer.fromFiles(server.issuer, server.key, server.certificate, server.expirationMs);
      } catch (error) {
        throw new ConfigError([{ path: 'tokenserver.key', message: `cannot use ${server.key} with ${server.certificate}: ${(error as Error).message}` }]);
      }
      const policy = new AccessPolicy(config.access);
      return {
        async authorization(user, repository) {
          const access = grantedAccess(policy, user, [{ type: 'repository', name: repository, actions: ['delete'] }]);
          return `Bearer ${(await issuer.issue(user, auth.service, access)).token}`;
        },
      };
    }
  }
}
