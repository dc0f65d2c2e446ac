/**
 * Go `time.Duration` values as registry:2 reads them: a duration string ("500ms", "1h30m", "1.5s")
 * or a bare integer, which Go takes as nanoseconds (so `timeout: 500` is 500ns, not 500ms).
 * Wharf exposes every duration in milliseconds; sub-millisecond values stay fractional.
 */

const NANOS_PER_UNIT: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n], // micro sign, as Go accepts
  ['\u03bcs', 1_000n], // Greek mu, as Go accepts
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

const MAX_NANOS = 2n ** 63n - 1n; // Go's time.Duration is an int64
const COMPONENT = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|h|m|s)/;

export type DurationResult = { ok: true; ms: number } | { ok: false; reason: string };

/** Parses a Go duration string; the result is in milliseconds and may be negative. */
export function parseGoDuration(text: string): DurationResult {
  let rest = text;
  let sign = 1n;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1n;
    rest = rest.slice(1);
  }
  if (rest === '0') return { ok: true, ms: 0 };
  if (rest === '') return { ok: false, reason: 'expected a duration such as "10s" or "1h30m"' };

  let nanos = 0n;
  while (rest !== '') {
    const match = COMPONENT.exec(rest);
    if (match === null) {
      return /^[\d.]+$/.test(rest)
        ? { ok: false, reason: 'missing a unit (ns, us, ms, s, m or h), e.g. "500ms"' }
        : { ok: false, reason: 'expected a duration such as "10s" or "1h30m"' };
    }
    const [whole = '', fraction = ''] = match[1]!.split('.');
    const unit = NANOS_PER_UNIT.get(match[2]!)!;
    nanos += BigInt(whole === '' ? '0' : whole) * unit;
    if (fraction !== '') nanos += (BigInt(fraction) * unit) / 10n ** BigInt(fraction.length);
    if (nanos > MAX_NANOS) return { ok: false, reason: 'duration is too large' };
    rest = rest.slice(match[0].length);
  }
  return { ok: true, ms: nanosToMs(sign * nanos) };
}

/** A bare YAML integer, which Go decodes into a time.Duration as nanoseconds. */
export function nanosecondsToMs(nanos: number): number {
  return nanos / 1e6;
}

function nanosToMs(nanos: bigint): number {
  const whole = nanos / 1_000_000n;
  const remainder = nanos % 1_000_000n;
  return Number(whole) + Number(remainder) / 1e6;
}
