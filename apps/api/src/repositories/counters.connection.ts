import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { WharfConfig } from '@wharf/config';
import { acquireDataSource, WebhookSecretCipher, type DataSourceLease } from '@wharf/db';
import type { Logger } from '@wharf/observability';
import { LOGGER, WHARF_CONFIG } from '../api.tokens.js';
import type { CountersReader } from './counters.reader.js';
import { PostgresCountersReader } from './postgres-counters.reader.js';
import { CountersUnavailableError } from './repositories.errors.js';

/**
 * The API's way to the counters: opened on first use, so the API starts (and serves everything
 * else) while PostgreSQL is down; the pool is the process's shared one (libs/db acquireDataSource).
 */
@Injectable()
export class CountersConnection implements OnApplicationShutdown {
  private lease: Promise<DataSourceLease> | undefined;
  private counters: CountersReader | undefined;

  constructor(
    @Inject(WHARF_CONFIG) private readonly config: WharfConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Whether counters exist at all: a `database` section is configured (PostgreSQL may still be down). */
  get configured(): boolean {
    return this.config.database !== undefined;
  }

  async reader(): Promise<CountersReader> {
    if (this.counters !== undefined) return this.counters;
    const database = this.config.database;
    if (database === undefined) throw new CountersUnavailableError('no database section is configured: the counters live in PostgreSQL');
    this.lease ??= acquireDataSource(database, { applicationName: 'wharf-api', connectWaitMs: 5_000, webhookSecrets: WebhookSecretCipher.fromConfig(this.config) });
    try {
      this.counters = new PostgresCountersReader((await this.lease).dataSource);
      return this.counters;
    } catch (error) {
      this.lease = undefined;
      this.logger.warn({ err: error }, 'repositories api: database unavailable');
      throw new CountersUnavailableError('PostgreSQL does not answer; try again shortly');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.lease !== undefined) await (await this.lease.catch(() => undefined))?.release();
  }
}
