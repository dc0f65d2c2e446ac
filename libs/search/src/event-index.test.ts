import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@wharf/config';
import { assertIndexPrefix, eventIndexFor, eventIndexNames, expiredEventIndices } from './event-index.js';
import { buildEventIndexTemplate } from './event-template.js';

describe('event index naming', () => {
  it('puts an event in the UTC month of its own timestamp', () => {
    assert.equal(eventIndexFor('wharf', Date.parse('2025-11-30T23:59:59.999Z')), 'wharf-events-2025.11');
    assert.equal(eventIndexFor('wharf', Date.parse('2025-12-01T00:30:00+01:00')), 'wharf-events-2025.11');
    assert.equal(eventIndexFor('wharf', Date.parse('2026-01-01T00:00:00Z')), 'wharf-events-2026.01');
  });

  it('reads through one alias that the template attaches to every month', () => {
    const names = eventIndexNames('acme');
    const template = buildEventIndexTemplate('acme');
    assert.deepEqual(template.index_patterns, ['acme-events-*']);
    assert.deepEqual(Object.keys(template.template?.aliases ?? {}), [names.alias]);
    assert.equal(names.alias, 'acme-events');
  });

  it('accepts only prefixes that can start an index name', () => {
    for (const ok of ['wharf', 'wharf-test.1', 'a_b']) assertIndexPrefix(ok);
    for (const bad of ['Wharf', '-wharf', '_x', 'a b', 'a*', 'a/b', '', '..']) {
      assert.throws(() => assertIndexPrefix(bad), ConfigError, bad);
    }
  });
});

describe('monthly index retention', () => {
  const names = ['acme-events-2024.12', 'acme-events-2025.01', 'acme-events-2025.02', 'acme-events-2026.02', 'acme-events-2026.03'];

  it('with 13mo, a month goes when 13 months have passed since its end', () => {
    // 2025.01 ends at 2025-02-01T00:00Z: it goes from 2026-03-01T00:00Z, not a millisecond before
    assert.deepEqual(expiredEventIndices('acme', names, { months: 13 }, Date.parse('2026-02-28T23:59:59.999Z')), ['acme-events-2024.12']);
    assert.deepEqual(expiredEventIndices('acme', names, { months: 13 }, Date.parse('2026-03-01T00:00:00Z')), ['acme-events-2024.12', 'acme-events-2025.01']);
  });

  it('with a fixed span, a month goes once its last instant is that old', () => {
    const hour = 3_600_000;
    assert.deepEqual(expiredEventIndices('acme', names, { ms: hour }, Date.parse('2026-03-01T00:59:59Z')), ['acme-events-2024.12', 'acme-events-2025.01', 'acme-events-2025.02']);
    assert.deepEqual(expiredEventIndices('acme', names, { ms: hour }, Date.parse('2026-03-01T01:00:00Z')), ['acme-events-2024.12', 'acme-events-2025.01', 'acme-events-2025.02', 'acme-events-2026.02']);
  });

  it('never picks another prefix, a restored copy or a malformed month', () => {
    const others = ['acme-events-2020.01-restored', 'acmex-events-2020.01', 'acme.x-events-2020.01', 'acme-events-2020.13', 'acme-events'];
    assert.deepEqual(expiredEventIndices('acme', others, { months: 1 }, Date.parse('2026-03-01T00:00:00Z')), []);
    assert.deepEqual(expiredEventIndices('a.b', ['a.b-events-2020.01', 'axb-events-2020.01'], { months: 1 }, Date.parse('2026-03-01T00:00:00Z')), ['a.b-events-2020.01']);
  });
});
