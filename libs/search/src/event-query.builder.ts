import type { estypes } from '@elastic/elasticsearch';
import type { RegistryEvent } from '@wharf/events';
import { encodeCursor, type EventCursor, type EventSort } from './event-cursor.js';
import type { EventDocument } from './event-document.js';
import type { HistogramInterval } from './histogram-interval.js';

/**
 * Pure translation of event searches into Elasticsearch request bodies, and of responses back into
 * what the API returns. No I/O here: EventSearchRepository sends what these functions build.
 */

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
/** How many repositories and actors the aggregations rank. */
export const TOP_TERMS = 10;

/** Every filter is optional; values within one filter are alternatives (OR), filters combine with AND. */
export interface EventFilters {
  /** Free text over repository, tag, digest, actor, user agent and client address; the last word matches as a prefix. */
  q?: string;
  actions?: readonly string[];
  /** Exact names, or globs with `*` ("library/*"). */
  repositories?: readonly string[];
  /** Exact tags, or globs with `*` ("v1.*"). */
  tags?: readonly string[];
  actors?: readonly string[];
  /** Inclusive lower bound. */
  from?: Date;
  /** Exclusive upper bound. */
  to?: Date;
}

export interface EventPageQuery extends EventFilters {
  sort: EventSort;
  size: number;
  /** Continue after this position (from the previous page's nextCursor). */
  after?: EventCursor;
}

export interface EventPage {
  events: RegistryEvent[];
  /** Null on the last page. */
  nextCursor: string | null;
  /** Every event matching the filters, across all pages. */
  total: number;
}

export interface CountedKey {
  key: string;
  count: number;
}

export interface EventAggregations {
  /** Events matching every filter. */
  total: number;
  histogram: { interval: string; buckets: { start: string; count: number }[] };
  topRepositories: CountedKey[];
  topActors: CountedKey[];
  /** Per action, counted with every filter except `actions` (facet style). */
  actions: CountedKey[];
}

/** The four registry:2 actions, always listed in the facets even when zero. */
const KNOWN_ACTIONS = ['push', 'pull', 'mount', 'delete'];

/** Options every read shares: a month index missing (nothing indexed yet) is an empty result, not an error. */
const READ_OPTIONS = { ignore_unavailable: true, allow_no_indices: true } as const;

export function buildEventQuery(filters: EventFilters, options: { withoutActions?: boolean } = {}): estypes.QueryDslQueryContainer {
  const clauses: estypes.QueryDslQueryContainer[] = [];
  const q = filters.q?.trim();
  if (q) clauses.push(freeText(q));
  if (!options.withoutActions) pushValues(clauses, 'action', filters.actions, false);
  pushValues(clauses, 'repository', filters.repositories, true);
  pushValues(clauses, 'tag', filters.tags, true);
  pushValues(clauses, 'actor', filters.actors, false);
  if (filters.from || filters.to) {
    const range: estypes.QueryDslDateRangeQuery = { format: 'strict_date_optional_time' };
    if (filters.from) range.gte = filters.from.toISOString();
    if (filters.to) range.lt = filters.to.toISOString();
    clauses.push({ range: { timestamp: range } });
  }
  // filter context: results are ordered by time, so relevance scores would be computed for nothing
  return clauses.length === 0 ? { match_all: {} } : { bool: { filter: clauses } };
}

export function buildPageRequest(index: string, query: EventPageQuery): estypes.SearchRequest {
  const size = clampPageSize(query.size);
  const request: estypes.SearchRequest = {
    index,
    ...READ_OPTIONS,
    query: buildEventQuery(query),
    // the id breaks ties between events of the same millisecond, so search_after never skips one
    sort: [{ timestamp: { order: query.sort } }, { id: { order: query.sort } }],
    // one more than asked: whether it comes back tells if there is a next page
    size: size + 1,
    track_total_hits: true,
    _source: ['event'],
  };
  if (query.after) request.search_after = [...query.after.after];
  return request;
}

export function readPage(response: estypes.SearchResponse<Pick<EventDocument, 'event'>>, query: EventPageQuery): EventPage {
  const size = clampPageSize(query.size);
  const hits = response.hits.hits;
  const page = hits.slice(0, size);
  const last = page[page.length - 1];
  let nextCursor: string | null = null;
  if (hits.length > size && last?.sort) {
    const [time, id] = last.sort as [number, string];
    nextCursor = encodeCursor({ sort: query.sort, after: [time, id] });
  }
  const total = response.hits.total;
  return {
    events: page.flatMap((hit) => (hit._source?.event ? [hit._source.event] : [])),
    nextCursor,
    total: typeof total === 'number' ? total : (total?.value ?? 0),
  };
}

export function buildByIdRequest(index: string, id: string): estypes.SearchRequest {
  return { index, ...READ_OPTIONS, query: { ids: { values: [id] } }, size: 1, _source: ['event'] };
}

/** First and last timestamp matching the filters, for a histogram without an explicit range. */
export function buildBoundsRequest(index: string, filters: EventFilters): estypes.SearchRequest {
  return {
    index,
    ...READ_OPTIONS,
    query: buildEventQuery(filters),
    size: 0,
    track_total_hits: false,
    aggs: { first: { min: { field: 'timestamp' } }, last: { max: { field: 'timestamp' } } },
  };
}

export function readBounds(response: estypes.SearchResponse): { fromMs: number; toMs: number } | undefined {
  const aggs = response.aggregations as Record<string, estypes.AggregationsMinAggregate> | undefined;
  const first = aggs?.['first']?.value;
  const last = aggs?.['last']?.value;
  if (typeof first !== 'number' || typeof last !== 'number') return undefined;
  return { fromMs: first, toMs: last + 1 };
}

export function buildAggregationsRequest(
  index: string,
  filters: EventFilters,
  histogram: HistogramInterval & { fromMs: number; toMs: number },
): estypes.SearchRequest {
  const actionFilter = buildEventQuery({ actions: filters.actions ?? [] });
  return {
    index,
    ...READ_OPTIONS,
    query: buildEventQuery(filters, { withoutActions: true }),
    size: 0,
    track_total_hits: false,
    aggs: {
      actions: { terms: { field: 'action', size: 20 } },
      matching: {
        filter: actionFilter,
        aggs: {
          histogram: {
            date_histogram: {
              field: 'timestamp',
              fixed_interval: histogram.interval,
              min_doc_count: 0,
              // empty buckets at both ends of the range still show (max is inclusive); the query's
              // range already keeps every document inside it
              extended_bounds: { min: histogram.fromMs, max: histogram.toMs - 1 },
            },
          },
          topRepositories: { terms: { field: 'repository', size: TOP_TERMS } },
          topActors: { terms: { field: 'actor', size: TOP_TERMS } },
        },
      },
    },
  };
}

export function readAggregations(response: estypes.SearchResponse, interval: string): EventAggregations {
  const aggs = (response.aggregations ?? {}) as Record<string, unknown>;
  const matching = (aggs['matching'] ?? {}) as { doc_count?: number } & Record<string, unknown>;
  const histogramBuckets = bucketsOf(matching['histogram']).map((b) => ({
    start: new Date(Number(b.key)).toISOString(),
    count: b.doc_count,
  }));
  const actionCounts = new Map(bucketsOf(aggs['actions']).map((b) => [String(b.key), b.doc_count]));
  const actions = [...new Set([...KNOWN_ACTIONS, ...actionCounts.keys()])].map((key) => ({ key, count: actionCounts.get(key) ?? 0 }));
  return {
    total: matching.doc_count ?? 0,
    histogram: { interval, buckets: histogramBuckets },
    topRepositories: counted(matching['topRepositories']),
    topActors: counted(matching['topActors']),
    actions,
  };
}

export function emptyAggregations(interval: string): EventAggregations {
  return {
    total: 0,
    histogram: { interval, buckets: [] },
    topRepositories: [],
    topActors: [],
    actions: KNOWN_ACTIONS.map((key) => ({ key, count: 0 })),
  };
}

export function clampPageSize(size: number): number {
  if (!Number.isFinite(size)) return DEFAULT_PAGE_SIZE;
  return Math.min(MAX_PAGE_SIZE, Math.max(1, Math.trunc(size)));
}

function freeText(q: string): estypes.QueryDslQueryContainer {
  return {
    bool: {
      should: [
        // every word must appear; the last may be unfinished ("library/ngi" finds library/nginx)
        { multi_match: { query: q, type: 'bool_prefix', fields: ['text'], operator: 'and' } },
        // an event id pasted in the search box
        { term: { id: q } },
      ],
      minimum_should_match: 1,
    },
  };
}

function pushValues(clauses: estypes.QueryDslQueryContainer[], field: string, values: readonly string[] | undefined, globs: boolean): void {
  if (!values || values.length === 0) return;
  const exact = values.filter((v) => !globs || !v.includes('*'));
  const patterns = values.filter((v) => globs && v.includes('*'));
  const alternatives: estypes.QueryDslQueryContainer[] = [];
  if (exact.length > 0) alternatives.push({ terms: { [field]: [...exact] } });
  for (const pattern of patterns) {
    // only * is a wildcard here: ? and \ are literal (neither is valid in a repository or tag anyway)
    alternatives.push({ wildcard: { [field]: { value: pattern.replace(/[?\\]/g, '\\$&') } } });
  }
  clauses.push(alternatives.length === 1 ? (alternatives[0] as estypes.QueryDslQueryContainer) : { bool: { should: alternatives, minimum_should_match: 1 } });
}

interface Bucket {
  key: string | number;
  doc_count: number;
}

function bucketsOf(agg: unknown): Bucket[] {
  const buckets = (agg as { buckets?: unknown } | undefined)?.buckets;
  return Array.isArray(buckets) ? (buckets as Bucket[]) : [];
}

function counted(agg: unknown): CountedKey[] {
  return bucketsOf(agg).map((b) => ({ key: String(b.key), count: b.doc_count }));
}
