/**
 * The configuration as read from YAML (file or environment value), before validation.
 *
 * Scalars that YAML resolves to something other than a string (numbers, booleans, timestamps) are
 * kept as a RawScalar with their source text, because registry:2 (Go yaml.v2) reads any scalar into a
 * string field verbatim: `secret: 0123` must stay "0123", and `version: 0.1` is the string "0.1".
 */
export class RawScalar {
  constructor(
    readonly value: number | boolean | Date,
    readonly source: string,
  ) {}

  toString(): string {
    return this.source;
  }
}

export type RawValue = null | string | RawScalar | Uint8Array | RawValue[] | RawMap;
export interface RawMap {
  [key: string]: RawValue;
}

export function isRawMap(value: unknown): value is RawMap {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof RawScalar) &&
    !(value instanceof Uint8Array) &&
    !(value instanceof Date)
  );
}

/** Plain JavaScript for free-form maps (log.fields, webhooks): numbers and booleans as themselves. */
export function toPlain(value: unknown): unknown {
  if (value instanceof RawScalar) return value.value instanceof Date ? value.source : value.value;
  if (Array.isArray(value)) return value.map(toPlain);
  if (isRawMap(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toPlain(item)]));
  }
  return value;
}

/** The value at a validation path, or undefined; used to tell "missing" from "wrong type". */
export function rawValueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const key of path) {
    if (Array.isArray(current) && typeof key === 'number') current = current[key];
    else if (isRawMap(current) && typeof key === 'string') current = current[key];
    else return undefined;
  }
  return current;
}

/** A deep copy, so environment overrides never mutate a caller's tree. */
export function cloneRaw<T extends RawValue>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => cloneRaw(item)) as T;
  if (isRawMap(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, cloneRaw(item)])) as T;
  }
  return value;
}
