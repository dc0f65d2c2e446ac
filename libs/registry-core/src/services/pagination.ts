import { RegistryError } from '../errors/registry-error.js';

/** `n` and `last` of the tags and catalog APIs. */
export interface PageRequest {
  n?: number;
  last?: string;
}

export interface Page<T> {
  items: T[];
  /** Set when more entries follow: the `last` of the next request. */
  next?: string;
}

/** catalog.maxentries and tags.maxtags: the largest `n` a client may ask for (registry:2's default 1000 each). */
export interface ListingLimits {
  maxEntries: number;
}

/**
 * The page size in effect, as registry:2 decides it: an `n` above the configured maximum is
 * PAGINATION_NUMBER_INVALID (registry:2 answers so rather than trimming); no `n` is `whenAbsent`.
 */
export function pageSize(n: number | undefined, max: number, whenAbsent: number): number {
  if (n !== undefined && n > max) throw new RegistryError('PAGINATION_NUMBER_INVALID', { n });
  return n ?? whenAbsent;
}

export function parsePageSize(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value)) throw new RegistryError('PAGINATION_NUMBER_INVALID', { n: value.slice(0, 40) });
  return Number(value);
}

/** At most `size` names after `last` from a lexically sorted list. */
export function paginate(sortedNames: readonly string[], last: string | undefined, size: number): Page<string> {
  const after = last === undefined ? sortedNames : sortedNames.filter((name) => name > last);
  const items = after.slice(0, size);
  return { items, next: items.length > 0 && after.length > items.length ? items[items.length - 1] : undefined };
}

export function lexical(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
