import { DataSource } from 'typeorm';
import type { DatabaseConfig } from '@wharf/config';
import { counterEntities, counterMigrations } from './counters/index.js';
import { WebhookSecretCipher, webhookEntities, webhookMigrations } from './webhooks/index.js';

export interface DataSourceOptions {
  /** Schema for every table (tests use one per test); default `database.schema`, else the server's search_path. */
  schema?: string;
  /** Connections in this process's pool; default `database.poolsize`, else 10. */
  poolSize?: number;
  /** Shown in pg_stat_activity, so an operator can tell the roles' connections apart. Default "wharf". */
  applicationName?: string;
  /**
   * The key webhook secrets are stored under (`WebhookSecretCipher.fromConfig(config)`); a
   * migration encrypts secrets stored in plain text by earlier versions with it. Default: none.
   */
  webhookSecrets?: WebhookSecretCipher;
}

export const DEFAULT_POOL_SIZE = 10;

/** The table TypeORM records executed migrations in (in the configured schema). */
export const MIGRATIONS_TABLE = 'wharf_migrations';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The schema a config and options select, or undefined for the server's default search_path. */
export function schemaOf(config: DatabaseConfig, options: DataSourceOptions = {}): string | undefined {
  const schema = options.schema ?? config.schema;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(`invalid database schema name "${schema}": expected a lower-case SQL identifier`);
  }
  return schema;
}

/**
 * The one PostgreSQL DataSource definition: every entity and migration Wharf has. Not initialized;
 * use `openDataSource` (or `acquireDataSource` to share one pool per process), which also migrates.
 *
 * Migrations are written by hand and run by `runMigrations` (never `synchronize`): a new version
 * upgrades the schema itself at start, under a lock, so several roles starting at once are safe.
 * With a schema set, every session's search_path is that schema alone, so hand-written SQL uses
 * unqualified table names and can never touch another schema's tables.
 */
export function createDataSource(config: DatabaseConfig, options: DataSourceOptions = {}): DataSource {
  const schema = schemaOf(config, options);
  return new DataSource({
    type: 'postgres',
    ...(config.url ? { url: config.url } : { host: config.host, port: config.port, username: config.user, password: config.password, database: config.database }),
    ...(schema === undefined ? {} : { schema }),
    entities: [...counterEntities, ...webhookEntities],
    migrations: [...counterMigrations, ...webhookMigrations(options.webhookSecrets ?? WebhookSecretCipher.fromSecret(undefined))],
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsRun: false,
    synchronize: false,
    logging: false,
    poolSize: options.poolSize ?? config.poolSize ?? DEFAULT_POOL_SIZE,
    applicationName: options.applicationName ?? 'wharf',
    connectTimeoutMS: 5_000,
    extra: {
      // a query stuck behind a lock or a dying server fails instead of holding a job forever
      statement_timeout: 60_000,
      keepAlive: true,
      ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
    },
  });
}
