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

/** Largest page served, whatever `n` asks for (registry:2's catalog default). */
export const MAX_PAGE_SIZE = 10_000;

export function parsePageSize(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value)) throw new RegistryError('PAGINATION_NUMBER_INVALID', { n: value.slice(0, 40) });
  return Number(value);
}

/** Names after `last` from a lexically sorted list, at most `n` (capped at `limit`). */
export function paginate(sortedNames: readonly string[], request: PageRequest, limit = MAX_PAGE_SIZE): Page<string> {
  const { n, last } = request;
  const after = last === undefined ? sortedNames : sortedNames.filter((name) => name > last);
  const items = after.slice(0, Math.min(n ?? limit, limit));
  return { items, next: items.length > 0 && after.length > items.length ? items[items.length - 1] : undefined };
}

export function lexical(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
