import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The counters' tables (see the entities beside this file). Unqualified names: the DataSource
 * pins search_path to the configured schema.
 */
export class CounterTables1763890000000 implements MigrationInterface {
  name = 'CounterTables1763890000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE counter_repository (
        repository text PRIMARY KEY,
        pulls bigint NOT NULL DEFAULT 0,
        pushes bigint NOT NULL DEFAULT 0,
        last_pulled_at timestamptz,
        last_pushed_at timestamptz
      )`);
    // the API lists repositories by each of these orders, with keyset pagination on (key, name)
    await queryRunner.query(`CREATE INDEX counter_repository_by_pulls ON counter_repository (pulls DESC, repository)`);
    await queryRunner.query(`CREATE INDEX counter_repository_by_pushes ON counter_repository (pushes DESC, repository)`);
    await queryRunner.query(
      `CREATE INDEX counter_repository_by_last_pulled ON counter_repository (last_pulled_at DESC NULLS LAST, repository)`,
    );
    await queryRunner.query(`
      CREATE TABLE counter_tag_day (
        repository text NOT NULL,
        tag text NOT NULL,
        day date NOT NULL,
        pulls bigint NOT NULL DEFAULT 0,
        pushes bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (repository, tag, day)
      )`);
    await queryRunner.query(`CREATE INDEX counter_tag_day_by_day ON counter_tag_day (day)`);
    await queryRunner.query(`
      CREATE TABLE counter_processed_event (
        event_id text PRIMARY KEY,
        action text NOT NULL,
        repository text NOT NULL,
        client text NOT NULL,
        kind text NOT NULL,
        method text NOT NULL,
        digest text NOT NULL,
        tag text NOT NULL,
        occurred_at timestamptz NOT NULL,
        day date NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'counted', 'absorbed', 'hint', 'blob')),
        counted_tag text NOT NULL DEFAULT '',
        absorbed_by text,
        processed_at timestamptz NOT NULL DEFAULT now()
      )`);
    // the download rule looks for a client's requests around a given time
    await queryRunner.query(`CREATE INDEX counter_processed_event_client ON counter_processed_event (repository, client, action, occurred_at)`);
    await queryRunner.query(`CREATE INDEX counter_processed_event_processed_at ON counter_processed_event (processed_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE counter_processed_event`);
    await queryRunner.query(`DROP TABLE counter_tag_day`);
    await queryRunner.query(`DROP TABLE counter_repository`);
  }
}
