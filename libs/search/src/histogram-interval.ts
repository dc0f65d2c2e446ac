/**
 * Picks a date_histogram interval for a time span: the smallest "round" interval that keeps the
 * number of buckets at or under `maxBuckets`. Chosen here rather than with auto_date_histogram
 * because that aggregation lives in a module not every distribution ships (ours does not), and a
 * fixed interval also lets the API say what one bucket means.
 */
export interface HistogramInterval {
  /** Elasticsearch fixed_interval syntax, e.g. "5m". */
  readonly interval: string;
  readonly ms: number;
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const LADDER: readonly HistogramInterval[] = [
  { interval: '1s', ms: SECOND },
  { interval: '5s', ms: 5 * SECOND },
  { interval: '10s', ms: 10 * SECOND },
  { interval: '30s', ms: 30 * SECOND },
  { interval: '1m', ms: MINUTE },
  { interval: '5m', ms: 5 * MINUTE },
  { interval: '10m', ms: 10 * MINUTE },
  { interval: '30m', ms: 30 * MINUTE },
  { interval: '1h', ms: HOUR },
  { interval: '3h', ms: 3 * HOUR },
  { interval: '6h', ms: 6 * HOUR },
  { interval: '12h', ms: 12 * HOUR },
  { interval: '1d', ms: DAY },
  { interval: '7d', ms: 7 * DAY },
  { interval: '30d', ms: 30 * DAY },
  { interval: '90d', ms: 90 * DAY },
  { interval: '365d', ms: 365 * DAY },
];

export const DEFAULT_MAX_BUCKETS = 60;

export function chooseHistogramInterval(fromMs: number, toMs: number, maxBuckets = DEFAULT_MAX_BUCKETS): HistogramInterval {
  const span = Math.max(0, toMs - fromMs);
  for (const step of LADDER) {
    // +1: a span that is not aligned to the interval touches one more bucket
    if (Math.ceil(span / step.ms) + 1 <= maxBuckets) return step;
  }
  return LADDER[LADDER.length - 1] as HistogramInterval;
}
