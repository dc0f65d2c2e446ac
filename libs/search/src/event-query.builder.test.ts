import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { estypes } from '@elastic/elasticsearch';
import { decodeCursor } from './event-cursor.js';
import {
  buildAggregationsRequest,
  buildEventQuery,
  buildPageRequest,
  MAX_PAGE_SIZE,
  readAggregations,
  readPage,
  type EventPageQuery,
} from './event-query.builder.js';

describe('buildEventQuery', () => {
  it('matches everything without filters', () => {
    assert.deepEqual(buildEventQuery({}), { match_all: {} });
    assert.deepEqual(buildEventQuery({ q: '   ', actions: [] }), { match_all: {} });
  });

  it('ANDs filters, ORs values within one, and treats * as a glob only in repositories and tags', () => {
    const query = buildEventQuery({
      actions: ['push', 'pull'],
      repositories: ['library/nginx', 'acme/*'],
      tags: ['v1.*'],
      actors: ['al*ce'],
      from: new Date('2025-11-01T00:00:00Z'),
      to: new Date('2025-12-01T00:00:00Z'),
    });
    assert.deepEqual(query, {
      bool: {
        filter: [
          { terms: { action: ['push', 'pull'] } },
          { bool: { should: [{ terms: { repository: ['library/nginx'] } }, { wildcard: { repository: { value: 'acme/*' } } }], minimum_should_match: 1 } },
          { wildcard: { tag: { value: 'v1.*' } } },
          { terms: { actor: ['al*ce'] } },
          { range: { timestamp: { format: 'strict_date_optional_time', gte: '2025-11-01T00:00:00.000Z', lt: '2025-12-01T00:00:00.000Z' } } },
        ],
      },
    });
  });

  it('searches free text as words over the catch-all field, the last word as a prefix, or an exact event id', () => {
    const query = buildEventQuery({ q: ' library/ngi ' });
    assert.deepEqual(query, {
      bool: {
        filter: [
          {
            bool: {
              should: [
                { multi_match: { query: 'library/ngi', type: 'bool_prefix', fields: ['text'], operator: 'and' } },
                { term: { id: 'library/ngi' } },
              ],
              minimum_should_match: 1,
            },
          },
        ],
      },
    });
  });

  it('can leave the action filter out (for the action facets)', () => {
    assert.deepEqual(buildEventQuery({ actions: ['push'] }, { withoutActions: true }), { match_all: {} });
  });
});

describe('pages', () => {
  const base: EventPageQuery = { sort: 'desc', size: 2 };

  it('sorts by time then id, asks one extra hit, and continues after a cursor', () => {
    const first = buildPageRequest('wharf-events', base);
    assert.deepEqual(first.sort, [{ timestamp: { order: 'desc' } }, { id: { order: 'desc' } }]);
    assert.equal(first.size, 3);
    assert.equal(first.search_after, undefined);
    assert.equal(first.track_total_hits, true);
    const next = buildPageRequest('wharf-events', { ...base, sort: 'asc', after: { sort: 'asc', after: [5, 'b'] } });
    assert.deepEqual(next.search_after, [5, 'b']);
    assert.deepEqual(next.sort, [{ timestamp: { order: 'asc' } }, { id: { order: 'asc' } }]);
  });

  it('caps the page size', () => {
    assert.equal(buildPageRequest('i', { ...base, size: 10_000 }).size, MAX_PAGE_SIZE + 1);
    assert.equal(buildPageRequest('i', { ...base, size: 0 }).size, 2);
  });

  const hit = (id: string, time: number): estypes.SearchHit<{ event: never }> => ({
    _index: 'i',
    _id: id,
    _source: { event: { id } as never },
    sort: [time, id],
  });
  const response = (hits: estypes.SearchHit<{ event: never }>[], total: number): estypes.SearchResponse<{ event: never }> => ({
    took: 1,
    timed_out: false,
    _shards: { total: 1, successful: 1, failed: 0 },
    hits: { total: { value: total, relation: 'eq' }, hits },
  });

  it('returns a cursor at the last event shown when another page exists', () => {
    const page = readPage(response([hit('c', 30), hit('b', 20), hit('a', 10)], 3), base);
    assert.deepEqual(page.events.map((e) => (e as { id: string }).id), ['c', 'b']);
    assert.equal(page.total, 3);
    assert.ok(page.nextCursor);
    assert.deepEqual(decodeCursor(page.nextCursor), { sort: 'desc', after: [20, 'b'] });
  });

  it('returns no cursor on the last page', () => {
    const page = readPage(response([hit('b', 20), hit('a', 10)], 2), base);
    assert.equal(page.events.length, 2);
    assert.equal(page.nextCursor, null);
  });
});

describe('aggregations', () => {
  it('counts actions over every filter but the action filter, everything else over all filters', () => {
    const request = buildAggregationsRequest('wharf-events', { actions: ['push'], repositories: ['a/b'] }, {
      interval: '1h',
      ms: 3_600_000,
      fromMs: 0,
      toMs: 7_200_000,
    });
    assert.deepEqual(request.query, { bool: { filter: [{ terms: { repository: ['a/b'] } }] } });
    const aggs = request.aggs as Record<string, estypes.AggregationsAggregationContainer>;
    assert.deepEqual(aggs['actions'], { terms: { field: 'action', size: 20 } });
    assert.deepEqual(aggs['matching']?.filter, { bool: { filter: [{ terms: { action: ['push'] } }] } });
    const histogram = aggs['matching']?.aggs?.['histogram']?.date_histogram;
    assert.equal(histogram?.fixed_interval, '1h');
    assert.deepEqual(histogram?.extended_bounds, { min: 0, max: 7_199_999 });
  });

  it('reads buckets back, listing every known action even at zero', () => {
    const result = readAggregations(
      {
        took: 1,
        timed_out: false,
        _shards: { total: 1, successful: 1, failed: 0 },
        hits: { hits: [] },
        aggregations: {
          actions: { buckets: [{ key: 'pull', doc_count: 5 }, { key: 'push', doc_count: 2 }] },
          matching: {
            doc_count: 2,
            histogram: { buckets: [{ key: 0, doc_count: 2 }, { key: 3_600_000, doc_count: 0 }] },
            topRepositories: { buckets: [{ key: 'a/b', doc_count: 2 }] },
            topActors: { buckets: [] },
          },
        } as never,
      },
      '1h',
    );
    assert.deepEqual(result, {
      total: 2,
      histogram: {
        interval: '1h',
        buckets: [
          { start: '1970-01-01T00:00:00.000Z', count: 2 },
          { start: '1970-01-01T01:00:00.000Z', count: 0 },
        ],
      },
      topRepositories: [{ key: 'a/b', count: 2 }],
      topActors: [],
      actions: [
        { key: 'push', count: 2 },
        { key: 'pull', count: 5 },
        { key: 'mount', count: 0 },
        { key: 'delete', count: 0 },
      ],
    });
  });
});
