import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseHistogramInterval } from './histogram-interval.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('chooseHistogramInterval', () => {
  const cases: [string, number, string][] = [
    ['an instant', 0, '1s'],
    ['30 seconds', 30_000, '1s'],
    ['5 minutes', 5 * MINUTE, '10s'],
    ['1 hour', HOUR, '5m'],
    ['24 hours', DAY, '30m'],
    ['7 days', 7 * DAY, '3h'],
    ['30 days', 30 * DAY, '1d'],
    ['1 year', 365 * DAY, '7d'],
    ['50 years', 50 * 365 * DAY, '365d'],
  ];
  for (const [what, span, interval] of cases) {
    it(`${what} -> ${interval}`, () => assert.equal(chooseHistogramInterval(1_700_000_000_000, 1_700_000_000_000 + span).interval, interval));
  }

  it('never exceeds the bucket budget while the ladder lasts', () => {
    for (let span = 1_000; span < 5 * 365 * DAY; span *= 1.7) {
      const { ms } = chooseHistogramInterval(0, span, 60);
      assert.ok(Math.ceil(span / ms) + 1 <= 60, `span ${span}`);
    }
  });
});
