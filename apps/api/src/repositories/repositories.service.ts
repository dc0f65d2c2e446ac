import { Inject, Injectable } from '@nestjs/common';
import { isTransientDatabaseError } from '@wharf/db';
import type { Logger } from '@wharf/observability';
import { LOGGER } from '../api.tokens.js';
import { CountersConnection } from './counters.connection.js';
import type { CountersReader, KeysetPosition, LeaderboardEntry, Positioned, RepositoryCounters, TagCounters } from './counters.reader.js';
import { decodeCursor, encodeCursor } from './keyset-cursor.js';
import { CountersUnavailableError, SortUnavailableError, UnknownRepositoryError } from './repositories.errors.js';
import { REPOSITORY_SORTS, STORAGE_REPOSITORY_SORTS, type Period, type RepositorySort } from './repositories.schemas.js';
import { STORED_NAME_SORT, StoredRepositoriesService, type StoredRepository } from './stored-repositories.service.js';

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/**
 * `counters`: whether the counter fields are real (a `database` section is configured) or null
 * because only storage was read; `sorts`: the sorts this API answers.
 */
export interface RepositoriesPage extends Page<RepositoryCounters | StoredRepository> {
  counters: boolean;
  sorts: RepositorySort[];
}

export type RepositoryView =
  | (RepositoryCounters & { pullsByDigest: number; tagCount: number; counters: true })
  | (StoredRepository & { pullsByDigest: null; tagCount: number; counters: false });

export interface Leaderboard {
  period: Period;
  by: 'repository' | 'tag';
  /** First UTC day counted (inclusive), or null for all time. */
  since: string | null;
  items: (LeaderboardEntry & { rank: number })[];
}

const PERIOD_DAYS: Record<Exclude<Period, 'all'>, number> = { day: 1, week: 7, month: 30 };

/**
 * Repositories with their counters, per-tag counts and the downloads leaderboard. With no
 * `database` section the repositories come from storage alone (counters null, sorted by name);
 * a configured PostgreSQL that does not answer stays a 503.
 */
@Injectable()
export class RepositoriesService {
  constructor(
    private readonly connection: CountersConnection,
    private readonly stored: StoredRepositoriesService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Whether download and push counters exist (a `database` section is configured). */
  get counted(): boolean {
    return this.connection.configured;
  }

  async list(query: { q?: string; sort?: RepositorySort; cursor?: string; size: number }): Promise<RepositoriesPage> {
    const q = query.q === undefined ? {} : { q: query.q };
    if (!this.counted) {
      const sorts = [...STORAGE_REPOSITORY_SORTS];
      if (query.sort !== undefined && !sorts.includes(query.sort as (typeof sorts)[number])) throw new SortUnavailableError(query.sort, sorts);
      const rows = await this.stored.list({ ...q, limit: query.size + 1, ...(query.cursor === undefined ? {} : { cursor: query.cursor }) });
      return { ...page(rows, query.size, STORED_NAME_SORT), counters: false, sorts };
    }
    const sort = query.sort ?? 'pulls';
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, sort);
    const rows = await this.read((reader) => reader.listRepositories({ sort, limit: query.size + 1, ...q, ...(after ? { after } : {}) }));
    return { ...page(rows, query.size, sort), counters: true, sorts: [...REPOSITORY_SORTS] };
  }

  async get(name: string): Promise<RepositoryView> {
    if (!this.counted) return { ...(await this.stored.get(name)), counters: false };
    const repository = await this.read((reader) => reader.repository(name));
    if (repository === undefined) throw new UnknownRepositoryError(name);
    return { ...repository, counters: true };
  }

  /** Every tag with counters (most downloaded first), and whether the repository has counters at all; none without a database. */
  async tagCounters(name: string): Promise<{ counted: boolean; tags: TagCounters[] }> {
    if (!this.counted) return { counted: false, tags: [] };
    const [repository, rows] = await this.read((reader) => Promise.all([reader.repository(name), reader.tags(name, {})]));
    return { counted: repository !== undefined, tags: rows.map((r) => r.row) };
  }

  /** All-time counters of one tag; zeros for a tag never counted; undefined without a database (unknown). */
  async tagCounter(name: string, tag: string): Promise<TagCounters | undefined> {
    if (!this.counted) return undefined;
    const counters = await this.read((reader) => reader.tag(name, tag));
    return counters ?? { tag, pulls: 0, pushes: 0, lastPulledDay: null, lastPushedDay: null };
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

function utcDayMinus(now: Date, days: number): string {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - days));
  return day.toISOString().slice(0, 10);
}
