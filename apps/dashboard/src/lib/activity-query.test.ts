import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { activityParams, EMPTY_QUERY, intervalMs, parseActivityQuery } from './activity-query.js';

describe('activity query', () => {
  test('round-trips through URL parameters', () => {
    const query = { q: 'busybox 1', actions: ['push', 'pull'] as const, repository: 'team/*', actor: 'ci', from: '2026-01-01T00:00:00.000Z', to: '' };
    const params = activityParams({ ...query, actions: [...query.actions] });
    assert.equal(params.toString(), 'q=busybox+1&action=push&action=pull&repository=team%2F*&actor=ci&from=2026-01-01T00%3A00%3A00.000Z');
    assert.deepEqual(parseActivityQuery(params), { ...query, actions: ['push', 'pull'] });
  });

  test('reads Next searchParams records, dropping what cannot mean anything', () => {
    const query = parseActivityQuery({ action: ['push,bogus', 'push'], from: 'yesterday', to: '2026-02-01' });
    assert.deepEqual(query, { ...EMPTY_QUERY, actions: ['push'], to: '2026-02-01T00:00:00.000Z' });
  });

  test('an empty query has no parameters', () => {
    assert.equal(activityParams(EMPTY_QUERY).toString(), '');
  });

  test('histogram intervals in milliseconds', () => {
    assert.equal(intervalMs('30s'), 30_000);
    assert.equal(intervalMs('5m'), 300_000);
    assert.equal(intervalMs('7d'), 604_800_000);
    assert.equal(intervalMs('soon'), 0);
  });
});
