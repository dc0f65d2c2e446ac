import { z } from 'zod';
import { parseGoDuration } from './duration.js';
import type { RetentionPeriod } from './config.types.js';
import { RawScalar } from './raw-value.js';

/*
 * How long Wharf keeps something it stores (events in Elasticsearch, the webhook delivery log):
 * calendar months (`13mo`), days (`30d`) or any Go duration (`720h`). Months are calendar months in
 * UTC, so `1mo` from 31 March reaches back to the end of February, not 30 or 31 days.
 */

const DAY_MS = 86_400_000;
/** Shorter than this is taken for a typo (`1m` meant as a month is one minute in Go). */
const MIN_RETENTION_MS = 3_600_000;
const MAX_MONTHS = 1_200;
const MONTHS = /^(\d+)mo$/;
const DAYS = /^(\d+)d$/;

export type RetentionResult = { ok: true; period: RetentionPeriod } | { ok: false; reason: string };

export function parseRetention(text: string): RetentionResult {
  const months = MONTHS.exec(text);
  if (months !== null) {
    const count = Number(months[1]);
    if (count < 1 || count > MAX_MONTHS) return { ok: false, reason: `expected 1 to ${MAX_MONTHS} months` };
    return { ok: true, period: { months: count } };
  }
  const days = DAYS.exec(text);
  const ms = days !== null ? Number(days[1]) * DAY_MS : goDurationMs(text);
  if (typeof ms === 'string') return { ok: false, reason: ms };
  if (ms < MIN_RETENTION_MS) return { ok: false, reason: 'must be at least 1h (months are written "mo": 13mo)' };
  return { ok: true, period: { ms } };
}

function goDurationMs(text: string): number | string {
  const parsed = parseGoDuration(text);
  if (parsed.ok) return parsed.ms;
  return 'expected months ("13mo"), days ("90d") or a duration ("720h")';
}

/**
 * The instant before which something is past its retention, seen at `nowMs`: `nowMs` minus the
 * period, whole calendar months in UTC with the day clamped to the shorter month.
 */
export function retentionCutoff(period: RetentionPeriod, nowMs: number): number {
  if ('ms' in period) return nowMs - period.ms;
  const now = new Date(nowMs);
  const targetMonth = now.getUTCMonth() - period.months;
  const lastDay = new Date(Date.UTC(now.getUTCFullYear(), targetMonth + 1, 0)).getUTCDate();
  return Date.UTC(
    now.getUTCFullYear(),
    targetMonth,
    Math.min(now.getUTCDate(), lastDay),
    now.getUTCHours(),
    now.getUTCMinutes(),
    now.getUTCSeconds(),
    now.getUTCMilliseconds(),
  );
}

/** Human form for logs: "13mo" or "720h". */
export function formatRetention(period: RetentionPeriod): string {
  return 'months' in period ? `${period.months}mo` : `${period.ms / 3_600_000}h`;
}

class RetentionProblem {
  constructor(readonly reason: string) {}
}

/** A config field holding a RetentionPeriod (see parseRetention). */
export const retention = () =>
  z
    .preprocess(
      (value) => {
        const scalar = value instanceof RawScalar ? value.source : value;
        if (scalar === null || scalar === undefined || scalar === '') return undefined;
        if (typeof scalar !== 'string') return new RetentionProblem('expected months ("13mo"), days ("90d") or a duration ("720h")');
        const parsed = parseRetention(scalar.trim());
        return parsed.ok ? parsed.period : new RetentionProblem(parsed.reason);
      },
      // a custom leaf, so REGISTRY_*_RETENTION overrides see one value, not an object to descend into
      z.custom<RetentionPeriod>((value) => typeof value === 'object' && value !== null && !(value instanceof RetentionProblem), {
        error: (issue) => (issue.input instanceof RetentionProblem ? issue.input.reason : 'expected months ("13mo"), days ("90d") or a duration ("720h")'),
      }),
    )
    .optional();
