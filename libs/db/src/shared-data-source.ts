import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import type { DatabaseConfig } from '@wharf/config';
import { createDataSource, schemaOf, type DataSourceOptions } from './data-source.factory.js';
import { runMigrations } from './migration.runner.js';
import { isTransientDatabaseError } from './transient-error.js';

export interface OpenDataSourceOptions extends DataSourceOptions {
  /** How long to keep retrying while PostgreSQL is unreachable at start; default 60 s. */
  connectWaitMs?: number;
  /** Told about each failed attempt while waiting, and about the migrations that ran. */
  log?: { warn(fields: object, message: string): void; info(fields: object, message: string): void };
}

/**
 * An initialized, migrated DataSource. Waits (with a capped backoff) while PostgreSQL is still
 * starting or unreachable, since roles and their database often start together.
 */
export async function openDataSource(config: DatabaseConfig, options: OpenDataSourceOptions = {}): Promise<DataSource> {
  const deadline = Date.now() + (options.connectWaitMs ?? 60_000);
  for (let attempt = 1; ; attempt++) {
    const dataSource = createDataSource(config, options);
    try {
      await dataSource.initialize();
      const ran = await runMigrations(dataSource);
      if (ran.length > 0) options.log?.info({ migrations: ran, schema: schemaOf(config, options) }, 'database migrated');
      return dataSource;
    } catch (error) {
      if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
      if (!isTransientDatabaseError(error) || Date.now() >= deadline) throw error;
      options.log?.warn({ err: error, attempt }, 'database not reachable yet; retrying');
      await sleep(Math.min(250 * attempt, 2_000));
    }
  }
}

export interface DataSourceLease {
  readonly dataSource: DataSource;
  /** Gives the lease back; the pool closes when the last holder in this process releases. */
  release(): Promise<void>;
}

interface Shared {
  opening: Promise<DataSource>;
  holders: number;
}

const shared = new Map<string, Shared>();

/**
 * One pool per database and schema per process, shared by every role it hosts (`wharf serve
 * --roles counter,deployer,api` opens one pool, not three) and migrated once. The first holder's
 * pool options win.
 */
export async function acquireDataSource(config: DatabaseConfig, options: OpenDataSourceOptions = {}): Promise<DataSourceLease> {
  const key = JSON.stringify([config.url, config.host, config.port, config.user, config.database, schemaOf(config, options)]);
  let entry = shared.get(key);
  if (entry === undefined) {
    const created: Shared = { opening: openDataSource(config, options), holders: 0 };
    created.opening.catch(() => shared.delete(key));
    shared.set(key, created);
    entry = created;
  }
  entry.holders++;
  let dataSource: DataSource;
  try {
    dataSource = await entry.opening;
  } catch (error) {
    entry.holders--;
    throw error;
  }
  let released = false;
  const holder = entry;
  return {
    dataSource,
    release: async () => {
      if (released) return;
      released = true;
      holder.holders--;
      if (holder.holders === 0 && shared.get(key) === holder) {
        shared.delete(key);
        await dataSource.destroy();
      }
    },
  };
}
