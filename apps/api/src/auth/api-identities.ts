import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AccessPolicy, FailedLoginLimiter, HtpasswdStore } from '@wharf/auth';
import type { WharfConfig } from '@wharf/config';
import type { Logger } from '@wharf/observability';
import { apiUsersFile } from '../api.defaults.js';
import { LOGGER, WHARF_CONFIG } from '../api.tokens.js';

export type ApiRole = 'admin' | 'reader';

/**
 * The registry's users, as the API signs them in: the htpasswd file of `auth.htpasswd.path`, else
 * of `tokenserver.htpasswd`. Without either the API is open and everyone is an admin. A user is an
 * admin when there is no `access` section or `access.admins` names them (or one of their groups);
 * every other user reads.
 */
@Injectable()
export class ApiIdentities implements OnModuleInit, OnApplicationShutdown {
  private store: HtpasswdStore | undefined;
  private readonly policy: AccessPolicy;
  /** `failedlogins:`, as the registry applies it to its own sign-ins. */
  readonly limiter: FailedLoginLimiter;

  constructor(
    @Inject(WHARF_CONFIG) private readonly config: WharfConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.policy = new AccessPolicy(config.access);
    this.limiter = new FailedLoginLimiter({ maxFailures: config.failedLogins.limit, windowMs: config.failedLogins.windowMs });
  }

  async onModuleInit(): Promise<void> {
    const path = apiUsersFile(this.config);
    if (path === undefined) {
      this.logger.warn('api: no users file (auth.htpasswd.path or tokenserver.htpasswd): the API is open, every caller is an admin');
      return;
    }
    this.store = await HtpasswdStore.open(path);
    if (this.store.skippedUsers.length > 0) this.logger.warn({ users: this.store.skippedUsers }, 'api: htpasswd entries that are not bcrypt cannot sign in');
  }

  onApplicationShutdown(): void {
    this.store?.close();
  }

  get authRequired(): boolean {
    return this.store !== undefined;
  }

  verify(user: string, password: string): Promise<boolean> {
    return this.store?.verify(user, password) ?? Promise.resolve(false);
  }

  roleOf(user: string): ApiRole {
    return this.policy.isAdmin(user) ? 'admin' : 'reader';
  }
}
