import 'reflect-metadata';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DatabaseConfig } from '@wharf/config';
import { acquireDataSource, isTransientDatabaseError, MIGRATIONS_TABLE, openDataSource } from './index.js';

// Real PostgreSQL, started by the project's script (reused when it already runs).
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const DATABASE: DatabaseConfig = { url: 'postgres://wharf:wharf@127.0.0.1:5439/wharf_test' };
const schemas: string[] = [];

function uniqueSchema(): string {
  const schema = `wharf_db_test_${randomBytes(4).toString('hex')}`;
  schemas.push(schema);
  return schema;
}

before(() => {
  execFileSync('bash', [`${repoRoot}scripts/postgres.sh`, 'start'], { stdio: 'pipe', timeout: 120_000 });
});

after(async () => {
  const admin = await openDataSource(DATABASE, { poolSize: 1 });
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.destroy();
});

async function tablesIn(schema: string): Promise<string[]> {
  const admin = await openDataSource(DATABASE, { poolSize: 1 });
  try {
    const rows: { table_name: string }[] = await admin.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [schema],
    );
    return rows.map((row) => row.table_name);
  } finally {
    await admin.destroy();
  }
}

describe('libs/db against PostgreSQL', () => {
  test('opening creates the schema and runs the counter migration once; reopening runs nothing', async () => {
    const schema = uniqueSchema();
    const first = await openDataSource(DATABASE, { schema });
    const names = async (ds: typeof first) =>
      ((await ds.query(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`)) as { name: string }[]).map((m) => m.name);
    const applied = await names(first);
    assert.equal(applied.filter((name) => name === 'CounterTables1763890000000').length, 1);
    await first.destroy();

    const again = await openDataSource(DATABASE, { schema });
    assert.deepEqual(await names(again), applied);
    await again.destroy();

    const tables = await tablesIn(schema);
    for (const table of ['counter_processed_event', 'counter_repository', 'counter_tag_day', MIGRATIONS_TABLE]) {
      assert.ok(tables.includes(table), `${table} in ${tables.join(', ')}`);
    }
  });

  test('roles starting together migrate once, under the lock', async () => {
    const schema = uniqueSchema();
    const opened = await Promise.all([1, 2, 3, 4].map(() => openDataSource(DATABASE, { schema, poolSize: 2 })));
    const rows: { name: string; n: number }[] = await opened[0]!.query(
      `SELECT name, count(*)::int AS n FROM ${MIGRATIONS_TABLE} GROUP BY name`,
    );
    await Promise.all(opened.map((ds) => ds.destroy()));
    assert.ok(rows.some((row) => row.name === 'CounterTables1763890000000'));
    assert.ok(rows.every((row) => row.n === 1), JSON.stringify(rows));
  });

  test('entities map the tables: a row written with SQL reads back through the repository API', async () => {
    const schema = uniqueSchema();
    const ds = await openDataSource(DATABASE, { schema });
    try {
      await ds.query(`INSERT INTO counter_repository (repository, pulls, pushes, last_pulled_at) VALUES ('a/b', 3, 1, '2025-01-02T03:04:05Z')`);
      await ds.query(`INSERT INTO counter_tag_day (repository, tag, day, pulls) VALUES ('a/b', 'v1', '2025-01-02', 3)`);
      const repo = await ds.getRepository('RepositoryCounterEntity').findOneByOrFail({ repository: 'a/b' });
      assert.equal(repo['pulls'], '3');
      assert.equal((repo['lastPulledAt'] as Date).toISOString(), '2025-01-02T03:04:05.000Z');
      const day = await ds.getRepository('TagDayCounterEntity').findOneByOrFail({ repository: 'a/b', tag: 'v1' });
      assert.equal(day['day'], '2025-01-02');
    } finally {
      await ds.destroy();
    }
  });

  test('a schema set per DataSource isolates the tables: public is untouched', async () => {
    const schema = uniqueSchema();
    const ds = await openDataSource(DATABASE, { schema });
    try {
      await ds.query(`INSERT INTO counter_repository (repository) VALUES ('only-here')`);
      const where: { table_schema: string }[] = await ds.query(
        `SELECT table_schema FROM information_schema.tables WHERE table_name = 'counter_repository' AND table_schema = $1`,
        [schema],
      );
      assert.equal(where.length, 1);
      const current = (await ds.query('SELECT current_schema() AS s'))[0].s;
      assert.equal(current, schema);
    } finally {
      await ds.destroy();
    }
  });

  test('roles in one process share one pool; it closes with the last release', async () => {
    const schema = uniqueSchema();
    const a = await acquireDataSource(DATABASE, { schema, applicationName: 'wharf-test' });
    const b = await acquireDataSource(DATABASE, { schema });
    assert.equal(a.dataSource, b.dataSource);
    const app = (await a.dataSource.query('SELECT current_setting($1) AS v', ['application_name']))[0].v;
    assert.equal(app, 'wharf-test');
    await a.release();
    await a.release(); // releasing twice is harmless
    assert.equal(b.dataSource.isInitialized, true);
    await b.release();
    assert.equal(b.dataSource.isInitialized, false);
    const c = await acquireDataSource(DATABASE, { schema });
    assert.notEqual(c.dataSource, a.dataSource);
    await c.release();
  });

  test('an unreachable server is a transient error, reported once the wait is over', async () => {
    const started = Date.now();
    const error = await openDataSource({ url: 'postgres://wharf:wharf@127.0.0.1:1/wharf_test' }, { connectWaitMs: 600 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof Error);
    assert.equal(isTransientDatabaseError(error), true);
    assert.ok(Date.now() - started >= 500, 'kept retrying for the wait period');
  });

  test('a bad statement is not transient', async () => {
    const ds = await openDataSource(DATABASE, { schema: uniqueSchema(), poolSize: 1 });
    try {
      const error = await ds.query('SELECT * FROM no_such_table').then(() => undefined, (e: unknown) => e);
      assert.equal(isTransientDatabaseError(error), false);
    } finally {
      await ds.destroy();
    }
  });

  test('an invalid schema name is refused before connecting', async () => {
    await assert.rejects(openDataSource(DATABASE, { schema: 'x"; drop' }), /invalid database schema name/);
  });
});
