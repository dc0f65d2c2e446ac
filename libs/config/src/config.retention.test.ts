import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MINIMAL, parse, rejects } from './config.test-helpers.js';
import { formatRetention, retentionCutoff } from './retention.js';

const ES = `${MINIMAL}elasticsearch:\n  urls: [http://127.0.0.1:9200]\n`;

describe('elasticsearch.retention and webhooks.deliveryretention', () => {
  test('unset: kept forever', () => {
    const config = parse(ES);
    assert.equal(config.elasticsearch?.retention, undefined);
    assert.equal(config.webhooks.deliveryRetention, undefined);
  });

  test('months, days and Go durations', () => {
    assert.deepEqual(parse(`${ES}  retention: 13mo\n`).elasticsearch?.retention, { months: 13 });
    assert.deepEqual(parse(`${ES}  retention: 400d\n`).elasticsearch?.retention, { ms: 400 * 86_400_000 });
    assert.deepEqual(parse(`${MINIMAL}webhooks:\n  deliveryretention: 720h\n`).webhooks.deliveryRetention, { ms: 720 * 3_600_000 });
    assert.deepEqual(parse(`${MINIMAL}webhooks:\n  deliveryretention: 30d\n`).webhooks.deliveryRetention, { ms: 30 * 86_400_000 });
  });

  test('REGISTRY_* overrides set them like any key', () => {
    const config = parse(ES, { REGISTRY_ELASTICSEARCH_RETENTION: '6mo', REGISTRY_WEBHOOKS_DELIVERYRETENTION: '90d' });
    assert.deepEqual(config.elasticsearch?.retention, { months: 6 });
    assert.deepEqual(config.webhooks.deliveryRetention, { ms: 90 * 86_400_000 });
  });

  test('refused with the key named: minutes mistaken for months, no unit, zero months, a number', () => {
    rejects(`${ES}  retention: 13m\n`, {}, /elasticsearch\.retention: must be at least 1h \(months are written "mo"/);
    rejects(`${ES}  retention: 13\n`, {}, /elasticsearch\.retention: expected months \("13mo"\), days \("90d"\) or a duration/);
    rejects(`${ES}  retention: 0mo\n`, {}, /elasticsearch\.retention: expected 1 to 1200 months/);
    rejects(`${MINIMAL}webhooks:\n  deliveryretention: forever\n`, {}, /webhooks\.deliveryretention: expected months/);
  });
});

describe('retentionCutoff', () => {
  const at = (iso: string) => Date.parse(iso);

  test('months are calendar months in UTC, across a year boundary', () => {
    assert.equal(retentionCutoff({ months: 13 }, at('2026-03-01T00:00:00Z')), at('2025-02-01T00:00:00Z'));
    assert.equal(retentionCutoff({ months: 1 }, at('2026-01-15T10:30:00Z')), at('2025-12-15T10:30:00Z'));
  });

  test('the day is clamped to the shorter month', () => {
    assert.equal(retentionCutoff({ months: 1 }, at('2026-03-31T12:00:00Z')), at('2026-02-28T12:00:00Z'));
    assert.equal(retentionCutoff({ months: 1 }, at('2024-03-31T12:00:00Z')), at('2024-02-29T12:00:00Z'));
  });

  test('a fixed span is subtracted as it is', () => {
    assert.equal(retentionCutoff({ ms: 3_600_000 }, at('2026-03-01T00:00:00Z')), at('2026-02-28T23:00:00Z'));
  });

  test('formatted for logs', () => {
    assert.equal(formatRetention({ months: 13 }), '13mo');
    assert.equal(formatRetention({ ms: 720 * 3_600_000 }), '720h');
  });
});
