import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseGoDuration } from './duration.js';
import { MINIMAL, parse, rejects } from './config.test-helpers.js';

describe('parseGoDuration', () => {
  const cases: [string, number][] = [
    ['500ms', 500],
    ['10s', 10_000],
    ['1h30m', 5_400_000],
    ['168h', 604_800_000],
    ['1.5s', 1_500],
    ['1.1s', 1_100],
    ['.5m', 30_000],
    ['300us', 0.3],
    ['300\u00b5s', 0.3],
    ['250ns', 0.00025],
    ['2h45m30.5s', 9_930_500],
    ['0', 0],
    ['-1s', -1_000],
    ['+2m', 120_000],
  ];
  for (const [text, ms] of cases) {
    test(`"${text}" is ${ms}ms`, () => {
      assert.deepEqual(parseGoDuration(text), { ok: true, ms });
    });
  }

  test('a number without a unit is refused, as Go does', () => {
    const result = parseGoDuration('500');
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.reason, /missing a unit/);
  });

  for (const bad of ['', '1d', 'ten seconds', '1s2', 's', '1 s', '1.2.3s']) {
    test(`"${bad}" is not a duration`, () => {
      assert.equal(parseGoDuration(bad).ok, false);
    });
  }

  test('values beyond Go\'s int64 nanoseconds are refused', () => {
    assert.equal(parseGoDuration('3000000h').ok, false);
  });
});

describe('durations in the config', () => {
  test('strings are exposed in milliseconds', () => {
    const config = parse(`${MINIMAL}http:\n  draintimeout: 1m30s\n`);
    assert.equal(config.http.drainTimeoutMs, 90_000);
  });

  test('a bare integer is nanoseconds, as in registry:2 (so 1500000000 is 1.5s)', () => {
    const config = parse(`${MINIMAL}http:\n  draintimeout: 1500000000\n`);
    assert.equal(config.http.drainTimeoutMs, 1_500);
  });

  test('a quoted number has no unit and is refused, naming the key', () => {
    rejects(`${MINIMAL}http:\n  draintimeout: "30"\n`, {}, /^http\.draintimeout: missing a unit/m);
  });

  test('a negative duration is refused', () => {
    rejects(`${MINIMAL}http:\n  draintimeout: -5s\n`, {}, /^http\.draintimeout: must not be negative/m);
  });

  test('a list where a duration belongs is refused', () => {
    rejects(`${MINIMAL}health:\n  storagedriver:\n    interval: [10s]\n`, {}, /health\.storagedriver\.interval: expected a duration/);
  });
});
