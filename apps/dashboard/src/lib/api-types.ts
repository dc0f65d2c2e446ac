/*
 * The API's response shapes as the dashboard reads them (apps/api's OpenAPI document is the source).
 * Declared here, not imported: the dashboard depends on the API over HTTP only.
 */

import type { EventAction } from './activity-query';

export type { EventAction };

export interface RegistryEvent {
  id: string;
  timestamp: string;
  action: EventAction;
  target: { mediaType?: string; size?: number; digest?: string; length?: number; repository: string; fromRepository?: string; url?: string; tag?: string };
  request: { id?: string; addr?: string; host?: string; method?: string; useragent?: string };
  actor: { name?: string };
  source: { addr?: string; instanceID?: string };
}

export interface EventPage {
  events: RegistryEvent[];
  nextCursor: string | null;
  total: number;
}

export interface CountedKey {
  key: string;
  count: number;
}

export interface EventAggregations {
  total: number;
  histogram: { interval: string; buckets: { start: string; count: number }[] };
  topRepositories: CountedKey[];
  topActors: CountedKey[];
  actions: CountedKey[];
}

/** The API's JSON error body. */
export interface ApiErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Counter fields are null when the API has no database (`counters: false`): unknown, not zero. */
export interface RepositoryCounters {
  name: string;
  pulls: number | null;
  pushes: number | null;
  lastPulledAt: string | null;
  lastPushedAt: string | null;
}

/** GET /api/repositories: `sorts` are the sort values the API answers (name only without a database). */
export interface RepositoriesPage extends Page<RepositoryCounters> {
  counters: boolean;
  sorts: string[];
}

export interface RepositoryDetails extends RepositoryCounters {
  /** Downloads by digest that no tag explains. */
  pullsByDigest: number | null;
  tagCount: number;
  counters: boolean;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  digest?: string;
  size?: number;
}

/** One row of GET /api/repositories/<name>/tags; the manifest fields come with the tag details API. */
export interface TagRow {
  tag: string;
  pulls: number | null;
  pushes: number | null;
  lastPulledDay: string | null;
  lastPushedDay: string | null;
  /** null once the tag is gone from storage (its counters stay). */
  digest?: string | null;
  mediaType?: string | null;
  size?: number | null;
  created?: string | null;
  platforms?: Platform[];
}

export interface TagsPage extends Page<TagRow> {
  repository: string;
  counters: boolean;
}

export interface Layer {
  digest: string;
  mediaType: string;
  size: number;
}

/** GET /api/repositories/<name>/tags/<tag> (or /manifests/<digest>, tag null). */
export interface ManifestDetails {
  repository: string;
  tag: string | null;
  digest: string;
  mediaType: string;
  size: number;
  created: string | null;
  config?: { digest: string; mediaType: string; size: number } | null;
  layers: Layer[];
  platforms: Platform[];
  /** null for a manifest by digest: counters are per tag. */
  pulls: number | null;
  pushes: number | null;
  lastPulledDay: string | null;
  lastPushedDay: string | null;
  pullCommand: string;
  counters: boolean;
}

export type Role = 'admin' | 'reader';

export interface Session {
  authRequired: boolean;
  authenticated: boolean;
  user: string | null;
  role: Role | null;
}

export interface LeaderboardEntry {
  rank: number;
  repository: string;
  tag?: string;
  pulls: number;
}

export interface Leaderboard {
  period: string;
  by: 'repository' | 'tag';
  since: string | null;
  items: LeaderboardEntry[];
}

export const PAYLOAD_FORMATS = ['deploy', 'distribution', 'cloudevents', 'template'] as const;
export type PayloadFormat = (typeof PAYLOAD_FORMATS)[number];

export interface Subscription {
  id: string;
  name: string;
  url: string;
  enabled: boolean;
  format: PayloadFormat;
  filters: { actions: string[] | null; repository: string | null; tag: string | null; actor: string | null; includeBlobs: boolean };
  headers: Record<string, string>;
  template: { body: string; contentType: string } | null;
  secretHint: string;
  health: {
    failing: boolean;
    consecutiveFailures: number;
    failingSince: string | null;
    lastError: string | null;
    lastSuccessAt: string | null;
    lastFailureAt: string | null;
  };
  createdAt: string;
  updatedAt: string;
}

export interface Delivery {
  id: string;
  subscriptionId: string;
  eventId: string;
  action: string;
  kind: 'event' | 'ping' | 'redelivery';
  attempt: number;
  success: boolean;
  statusCode: number | null;
  latencyMs: number | null;
  responseExcerpt: string | null;
  error: string | null;
  request: { url: string; headers: Record<string, string> };
  redeliveryOf: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string;
}

export interface QueueHealth {
  name: string;
  kind: 'internal' | 'endpoint';
  counts: { waiting: number; active: number; delayed: number; failed: number; completed: number; prioritized: number };
  oldestWaitingAgeMs: number | null;
  latencyMs: { p50: number | null; p99: number | null; samples: number };
  consumers?: { workers: number; paused: boolean; consuming: boolean };
  endpoint?: {
    name: string;
    url: string;
    threshold: number;
    backoffMs: number;
    consecutiveFailures: number;
    lastFailureAt: string | null;
    backingOff: boolean;
    backingOffUntil: string | null;
  };
}
