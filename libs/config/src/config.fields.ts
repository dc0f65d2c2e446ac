import { z } from 'zod';
import { nanosecondsToMs, parseGoDuration } from './duration.js';
import { isRawMap, RawScalar, toPlain } from './raw-value.js';

/*
 * Building blocks for the section schemas. Inputs are raw YAML values (see raw-value.ts); every
 * builder accepts them the way registry:2 does and outputs plain typed values. A YAML null (`key:`)
 * and an empty string mean "not set", as Go's zero values do.
 */

/** Text of a scalar: numbers and booleans keep their YAML source ("0123" stays "0123"). */
function asText(value: unknown): unknown {
  if (value instanceof RawScalar) return value.source;
  if (value === null || value === '') return undefined;
  return value;
}

/**
 * What a mapping schema should see: RawScalar and binary values are objects in JavaScript, but to
 * the config they are scalars, so they must fail a "mapping" check rather than look like one.
 */
export function asMappingInput(value: unknown): unknown {
  if (value instanceof RawScalar) return value.value instanceof Date ? value.source : value.value;
  if (value instanceof Uint8Array) return 'binary data';
  return value;
}

/** An unset collection is an empty one, as with Go's nil maps and slices. */
function orEmpty(value: unknown, empty: object): unknown {
  return value === null || value === undefined ? empty : asMappingInput(value);
}

function asScalar(value: unknown): unknown {
  if (value instanceof RawScalar) return value.value instanceof Date ? value.source : value.value;
  return value === null ? undefined : value;
}

export const text = () => z.preprocess(asText, z.string());

export const bool = () => z.preprocess(asScalar, z.boolean());

export const int = (bounds: { min?: number; max?: number } = {}) => {
  let schema = z.int({ error: (issue) => (issue.code === 'invalid_type' ? 'expected an integer' : undefined) });
  if (bounds.min !== undefined) schema = schema.min(bounds.min);
  if (bounds.max !== undefined) schema = schema.max(bounds.max);
  return z.preprocess(asScalar, schema);
};

/** A string from a fixed set; matching ignores case, as registry:2 does for log levels. */
export const choice = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess((value) => {
    const scalar = asText(value);
    return typeof scalar === 'string' ? scalar.toLowerCase() : scalar;
  }, z.enum(values));

class DurationProblem {
  constructor(readonly reason: string) {}
}

/** A Go duration ("10s", "1h30m") or an integer number of nanoseconds, as milliseconds. */
export const duration = () =>
  z.preprocess(
    (value) => {
      const scalar = asScalar(value);
      if (scalar === undefined || scalar === '') return undefined;
      if (typeof scalar === 'number') {
        return scalar < 0 ? new DurationProblem('must not be negative') : nanosecondsToMs(scalar);
      }
      if (typeof scalar !== 'string') return new DurationProblem('expected a duration such as "10s" or "1h30m"');
      const parsed = parseGoDuration(scalar);
      if (!parsed.ok) return new DurationProblem(parsed.reason);
      return parsed.ms < 0 ? new DurationProblem('must not be negative') : parsed.ms;
    },
    z.number({
      error: (issue) => (issue.input instanceof DurationProblem ? issue.input.reason : undefined),
    }),
  );

/** A list of strings; a single string is accepted as a one-item list. */
export const textList = () =>
  z.preprocess((value) => {
    if (value === null || value === undefined) return [];
    return typeof value === 'string' || value instanceof RawScalar ? [value] : value;
  }, z.array(text()));

/** A list of sections; YAML null means an empty list. */
export const list = <T extends z.ZodType>(element: T) =>
  z.preprocess((value) => orEmpty(value, []), z.array(element));

/** An absolute http:// or https:// URL. */
export const httpUrl = () =>
  text().refine(isHttpUrl, { message: 'expected an absolute http:// or https:// URL' });

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** HTTP header name → list of values, as Go's http.Header reads from YAML. */
export const headerMap = () =>
  z.preprocess((value) => orEmpty(value, {}), z.record(z.string(), textList()));

/** Free-form map (log.fields, webhooks): any YAML, returned as plain JavaScript values. */
export const freeMap = () =>
  z
    .preprocess((value) => orEmpty(value, {}), z.record(z.string(), z.unknown()))
    .transform((value) => toPlain(value) as Record<string, unknown>);

/**
 * A nested mapping. YAML null (`debug:`) counts as an empty mapping, and keys set to null or ""
 * count as absent, matching Go's zero values; unknown keys are errors.
 */
export const section = <S extends z.core.$ZodLooseShape>(shape: S) =>
  z.preprocess((value) => {
    if (value === null || value === undefined) return {};
    if (!isRawMap(value)) return asMappingInput(value);
    return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== null && item !== ''));
  }, z.strictObject(shape));

/** A section that is `undefined` in the typed config when absent or empty (redis, elasticsearch, …). */
export const optionalSection = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (hasContent(value) ? value : undefined), schema.optional());

/**
 * A key registry:2 documents but Wharf does not implement. Present with content, it is an error
 * with `message`; an empty value (`proxy:`) is accepted as "not configured".
 */
export const unsupported = (message: string | ((value: unknown) => string)) =>
  z.unknown().superRefine((value, ctx) => {
    if (!hasContent(value)) return;
    ctx.addIssue({ code: 'custom', message: typeof message === 'string' ? message : message(value) });
  }).optional();

export function hasContent(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isRawMap(value)) return Object.values(value).some(hasContent);
  return true;
}
