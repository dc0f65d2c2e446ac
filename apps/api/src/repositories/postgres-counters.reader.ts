import type { DataSource } from 'typeorm';
import type {
  CountersReader,
  KeysetPosition,
  LeaderboardEntry,
  Positioned,
  RepositoryCounters,
  TagCounters,
} from './counters.reader.js';
import type { RepositorySort } from './repositories.schemas.js';

interface RepositoryRow {
  name: string;
  pulls: string;
  pushes: string;
  last_pulled_at: string | null;
  last_pushed_at: string | null;
}

// timestamps as text with microseconds, so a cursor built from them is exact
const UTC_MICROS = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;
const REPOSITORY_COLUMNS = `c.repository AS name, c.pulls::text AS pulls, c.pushes::text AS pushes,
  to_char(c.last_pulled_at AT TIME ZONE 'UTC', ${UTC_MICROS}) AS last_pulled_at,
  to_char(c.last_pushed_at AT TIME ZONE 'UTC', ${UTC_MICROS}) AS last_pushed_at`;

/**
 * Keyset conditions and orders per sort; $k is the key after which the page starts, $n the name.
 * Columns are qualified (c.): the output columns of the same names are text, and ORDER BY would
 * otherwise sort by them.
 */
const ORDERS: Record<RepositorySort, { order: string; after: (k: string, n: string, keyIsNull: boolean) => string; key: (row: RepositoryRow) => string | null }> = {
  pulls: {
    order: 'c.pulls DESC, c.repository ASC',
    after: (k, n) => `(c.pulls < ${k}::bigint OR (c.pulls = ${k}::bigint AND c.repository > ${n}))`,
    key: (row) => row.pulls,
  },
  pushes: {
    order: 'c.pushes DESC, c.repository ASC',
    after: (k, n) => `(c.pushes < ${k}::bigint OR (c.pushes = ${k}::bigint AND c.repository > ${n}))`,
    key: (row) => row.pushes,
  },
  name: {
    order: 'c.repository ASC',
    after: (_k, n) => `c.repository > ${n}`,
    key: () => null,
  },
  lastPulled: {
    order: 'c.last_pulled_at DESC NULLS LAST, c.repository ASC',
    after: (k, n, keyIsNull) =>
      keyIsNull
        ? `(c.last_pulled_at IS NULL AND c.repository > ${n})`
        : `(c.last_pulled_at < ${k}::timestamptz OR (c.last_pulled_at = ${k}::timestamptz AND c.repository > ${n}) OR c.last_pulled_at IS NULL)`,
    key: (row) => row.last_pulled_at,
  },
};

interface TagRow {
  tag: string;
  pulls: string;
  pushes: string;
  last_pulled_day: string | null;
  last_pushed_day: string | null;
}

const TAG_COLUMNS = `tag, sum(pulls)::text AS pulls, sum(pushes)::text AS pushes,
  to_char(max(day) FILTER (WHERE pulls > 0), 'YYYY-MM-DD') AS last_pulled_day,
  to_char(max(day) FILTER (WHERE pushes > 0), 'YYYY-MM-DD') AS last_pushed_day`;

/** The counters as the counter role writes them (libs/db/src/counters), read with plain SQL. */
export class PostgresCountersReader implements CountersReader {
  constructor(private readonly dataSource: DataSource) {}

  async listRepositories(query: { q?: string; sort: RepositorySort; after?: KeysetPosition; limit: number }): Promise<Positioned<RepositoryCounters>[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (query.q !== undefined && query.q !== '') {
      params.push(`%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(`c.repository ILIKE $${params.length} ESCAPE '\\'`);
    }
    const order = ORDERS[query.sort];
    if (query.after !== undefined) {
      // a parameter the condition does not use would have no type and fail the statement
      const keyRef = query.sort === 'name' || query.after.key === null ? '' : `$${params.push(query.after.key)}`;
      const nameRef = `$${params.push(query.after.name)}`;
      where.push(order.after(keyRef, nameRef, query.after.key === null));
    }
    params.push(query.limit);
    const rows: RepositoryRow[] = await this.dataSource.query(
      `SELECT ${REPOSITORY_COLUMNS} FROM counter_repository c
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${order.order} LIMIT $${params.length}`,
      params,
    );
    return rows.map((row) => ({ row: toRepository(row), position: { key: order.key(row), name: row.name } }));
  }

  async repository(name: string): Promise<(RepositoryCounters & { pullsByDigest: number; tagCount: number }) | undefined> {
    const rows: (RepositoryRow & { pulls_by_digest: string; tag_count: string })[] = await this.dataSource.query(
      `SELECT ${REPOSITORY_COLUMNS},
         (SELECT coalesce(sum(d.pulls), 0)::text FROM counter_tag_day d WHERE d.repository = $1 AND d.tag = '') AS pulls_by_digest,
         (SELECT count(DISTINCT d.tag)::text FROM counter_tag_day d WHERE d.repository = $1 AND d.tag <> '') AS tag_count
       FROM counter_repository c WHERE c.repository = $1`,
      [name],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    return { ...toRepository(row), pullsByDigest: Number(row.pulls_by_digest), tagCount: Number(row.tag_count) };
  }

  async tags(name: string, query: { after?: KeysetPosition; limit?: number }): Promise<Positioned<TagCounters>[]> {
    // LIMIT NULL is no limit
    const rows: TagRow[] = await this.dataSource.query(
      `SELECT ${TAG_COLUMNS}
       FROM counter_tag_day
       WHERE repository = $1 AND tag <> ''
       GROUP BY tag
       HAVING $2::bigint IS NULL OR sum(counter_tag_day.pulls) < $2::bigint OR (sum(counter_tag_day.pulls) = $2::bigint AND counter_tag_day.tag > $3)
       ORDER BY sum(counter_tag_day.pulls) DESC, counter_tag_day.tag ASC
       LIMIT $4`,
      [name, query.after?.key ?? null, query.after?.name ?? '', query.limit ?? null],
    );
    return rows.map((row) => ({ row: toTag(row), position: { key: row.pulls, name: row.tag } }));
  }

  async tag(name: string, tag: string): Promise<TagCounters | undefined> {
    const rows: TagRow[] = await this.dataSource.query(
      `SELECT ${TAG_COLUMNS} FROM counter_tag_day WHERE repository = $1 AND tag = $2 AND tag <> '' GROUP BY tag`,
      [name, tag],
    );
    return rows[0] === undefined ? undefined : toTag(rows[0]);
  }

  async leaderboard(query: { since?: string; by: 'repository' | 'tag'; limit: number }): Promise<LeaderboardEntry[]> {
    const byTag = query.by === 'tag';
    const rows: { repository: string; tag?: string; pulls: string }[] = await this.dataSource.query(
      `SELECT repository, ${byTag ? 'tag, ' : ''}sum(pulls)::text AS pulls
       FROM counter_tag_day
       WHERE ($1::date IS NULL OR day >= $1::date) ${byTag ? `AND tag <> ''` : ''}
       GROUP BY repository${byTag ? ', tag' : ''}
       HAVING sum(pulls) > 0
       ORDER BY sum(pulls) DESC, repository ASC${byTag ? ', tag ASC' : ''}
       LIMIT $2`,
      [query.since ?? null, query.limit],
    );
    return rows.map((row) => ({ repository: row.repository, ...(byTag ? { tag: row.tag! } : {}), pulls: Number(row.pulls) }));
  }
}

function toTag(row: TagRow): TagCounters {
  return { tag: row.tag, pulls: Number(row.pulls), pushes: Number(row.pushes), lastPulledDay: row.last_pulled_day, lastPushedDay: row.last_pushed_day };
}

function toRepository(row: RepositoryRow): RepositoryCounters {
  return {
    name: row.name,
    pulls: Number(row.pulls),
    pushes: Number(row.pushes),
    lastPulledAt: row.last_pulled_at === null ? null : new Date(row.last_pulled_at).toISOString(),
    lastPushedAt: row.last_pushed_at === null ? null : new Date(row.last_pushed_at).toISOString(),
  };
}
