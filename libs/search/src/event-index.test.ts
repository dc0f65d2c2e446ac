import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@wharf/config';
import { assertIndexPrefix, eventIndexFor, eventIndexNames } from './event-index.js';
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
