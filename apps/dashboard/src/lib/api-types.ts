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
