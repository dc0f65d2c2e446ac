import type { RepositorySort } from './repositories.schemas.js';

export interface RepositoryCounters {
  name: string;
  pulls: number;
  pushes: number;
  /** ISO 8601, or null when never pulled (pushed). */
  lastPulledAt: string | null;
  lastPushedAt: string | null;
}

/** Position after the last row of a page: the sort key's value (as text) and the name. */
export interface KeysetPosition {
  key: string | null;
  name: string;
}

export interface TagCounters {
  tag: string;
  pulls: number;
  pushes: number;
  /** UTC day (YYYY-MM-DD) of the latest counted download (push), or null. */
  lastPulledDay: string | null;
  lastPushedDay: string | null;
}

export interface LeaderboardEntry {
  repository: string;
  tag?: string;
  pulls: number;
}

/** Row plus the keyset position after it. */
export interface Positioned<T> {
  row: T;
  position: KeysetPosition;
}

/** Read side of the counters (tables: libs/db/src/counters), the port the repositories service uses. */
export interface CountersReader {
  listRepositories(query: { q?: string; sort: RepositorySort; after?: KeysetPosition; limit: number }): Promise<Positioned<RepositoryCounters>[]>;
  /** undefined for a repository without counters. */
  repository(name: string): Promise<(RepositoryCounters & { pullsByDigest: number; tagCount: number }) | undefined>;
  /** Tags with counters, most downloaded first, then by name; every one without a limit. */
  tags(name: string, query: { after?: KeysetPosition; limit?: number }): Promise<Positioned<TagCounters>[]>;
  /** undefined for a tag without counters. */
  tag(name: string, tag: string): Promise<TagCounters | undefined>;
  /** Top downloads since `since` (a UTC day, inclusive), or of all time. */
  leaderboard(query: { since?: string; by: 'repository' | 'tag'; limit: number }): Promise<LeaderboardEntry[]>;
}

