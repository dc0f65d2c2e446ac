import { MigrationExecutor, type DataSource } from 'typeorm';

/** Every Wharf process that migrates takes this advisory lock first (per schema). */
const MIGRATION_LOCK = 'wharf:migrations';

/**
 * Creates the schema when missing and runs the pending migrations, one process at a time: roles
 * started together (or several counter replicas) would otherwise race to create the same tables.
 * Each migration runs in its own transaction, so a failure leaves the earlier ones applied.
 * Returns the names of the migrations this call ran.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const schema = (dataSource.options as { schema?: string }).schema;
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`${MIGRATION_LOCK}:${schema ?? ''}`]);
    try {
      if (schema !== undefined) await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      // on the session that holds the lock, so a pool of one connection is enough
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';
      const ran = await executor.executePendingMigrations();
      return ran.map((migration) => migration.name);
    } finally {
      // a session that died has lost the lock already; do not hide the original error
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`${MIGRATION_LOCK}:${schema ?? ''}`]).catch(() => undefined);
    }
  } finally {
    await runner.release();
  }
}
