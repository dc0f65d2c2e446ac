import { Inject, Injectable } from '@nestjs/common';
import { isTransientDatabaseError } from '@wharf/db';
import type { Logger } from '@wharf/observability';
import { LOGGER } from '../api.tokens.js';
import { CountersConnection } from './counters.connection.js';
import type { CountersReader, KeysetPosition, LeaderboardEntry, Positioned, RepositoryCounters, TagCounters } from './counters.reader.js';
import { CountersUnavailableError, InvalidCursorError, UnknownRepositoryError } from './repositories.errors.js';
import type { Period, RepositorySort } from './repositories.schemas.js';

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface Leaderboard {
  period: Period;
  by: 'repository' | 'tag';
  /** First UTC day counted (inclusive), or null for all time. */
  since: string | null;
  items: (LeaderboardEntry & { rank: number })[];
}

const PERIOD_DAYS: Record<Exclude<Period, 'all'>, number> = { day: 1, week: 7, month: 30 };

/** Repositories with their counters, per-tag counts and the downloads leaderboard. */
@Injectable()
export class RepositoriesService {
  constructor(
    private readonly connection: CountersConnection,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async list(query: { q?: string; sort: RepositorySort; cursor?: string; size: number }): Promise<Page<RepositoryCounters>> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, query.sort);
    const rows = await this.read((reader) =>
      reader.listRepositories({ sort: query.sort, limit: query.size + 1, ...(query.q === undefined ? {} : { q: query.q }), ...(after ? { after } : {}) }),
    );
    return page(rows, query.size, query.sort);
  }

  async get(name: string): Promise<RepositoryCounters & { pullsByDigest: number; tagCount: number }> {
    const repository = await this.read((reader) => reader.repository(name));
    if (repository === undefined) throw new UnknownRepositoryError(name);
    return repository;
  }

  async tags(name: string, query: { cursor?: string; size: number }): Promise<Page<TagCounters> & { repository: string }> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, 'tags');
    const [repository, rows] = await this.read((reader) =>
      Promise.all([reader.repository(name), reader.tags(name, { limit: query.size + 1, ...(after ? { after } : {}) })]),
    );
    if (repository === undefined) throw new UnknownRepositoryError(name);
    return { repository: name, ...page(rows, query.size, 'tags') };
  }

  async leaderboard(query: { period: Period; by: 'repository' | 'tag'; limit: number }, now = new Date()): Promise<Leaderboard> {
    const since = query.period === 'all' ? undefined : utcDayMinus(now, PERIOD_DAYS[query.period] - 1);
    const entries = await this.read((reader) => reader.leaderboard({ by: query.by, limit: query.limit, ...(since ? { since } : {}) }));
    return { period: query.period, by: query.by, since: since ?? null, items: entries.map((entry, i) => ({ rank: i + 1, ...entry })) };
  }

  /** Runs a read; a database that went away mid-request is a 503, not a 500. */
  private async read<T>(work: (reader: CountersReader) => Promise<T>): Promise<T> {
    const reader = await this.connection.reader();
    try {
      return await work(reader);
    } catch (error) {
      if (!isTransientDatabaseError(error)) throw error;
      this.logger.warn({ err: error }, 'repositories api: database unavailable');
      throw new CountersUnavailableError('PostgreSQL does not answer; try again shortly');
    }
  }
}

function page<T>(rows: Positioned<T>[], size: number, sort: string): Page<T> {
  const items = rows.slice(0, size);
  const last = items[items.length - 1];
  return { items: items.map((r) => r.row), nextCursor: rows.length > size && last !== undefined ? encodeCursor(sort, last.position) : null };
}

/** Opaque to clients: base64url JSON of the sort it belongs to and the last row's position. */
function encodeCursor(sort: string, position: KeysetPosition): string {
  return Buffer.from(JSON.stringify({ s: sort, k: position.key, n: position.name })).toString('base64url');
}

function decodeCursor(cursor: string, sort: string): KeysetPosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  const { s, k, n } = (value ?? {}) as { s?: unknown; k?: unknown; n?: unknown };
  if (s !== sort || typeof n !== 'string' || !(k === null || typeof k === 'string')) throw new InvalidCursorError();
  // keys are bigint counts or timestamps: anything else would only reach SQL to fail there
  if (k !== null && !/^\d{1,19}$/.test(k) && Number.isNaN(Date.parse(k))) throw new InvalidCursorError();
  if ((sort === 'pulls' || sort === 'pushes' || sort === 'tags') && (k === null || !/^\d{1,19}$/.test(k))) throw new InvalidCursorError();
  if (sort === 'lastPulled' && k !== null && !/^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(k)) throw new InvalidCursorError();
  return { key: k, name: n };
}

function utcDayMinus(now: Date, days: number): string {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - days));
  return day.toISOString().slice(0, 10);
}
