import { DataSource } from 'typeorm';
import type { DatabaseConfig } from '@wharf/config';
import { counterEntities, counterMigrations } from './counters/index.js';
import { webhookEntities, webhookMigrations } from './webhooks/index.js';

/**
 * The one PostgreSQL DataSource definition: every entity and migration Wharf has.
 * Migrations run at start (`migrationsRun`), so a new version upgrades the schema itself.
 */
export function createDataSource(config: DatabaseConfig): DataSource {
  return new DataSource({
    type: 'postgres',
    ...(config.url ? { url: config.url } : { host: config.host, port: config.port, username: config.user, password: config.password, database: config.database }),
    entities: [...counterEntities, ...webhookEntities],
    migrations: [...counterMigrations, ...webhookMigrations],
    migrationsRun: true,
    synchronize: false,
  });
}
