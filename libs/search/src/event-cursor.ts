import { SearchError } from './search.error.js';

export type EventSort = 'desc' | 'asc';

/**
 * Where a page of events ended: the sort values of its last hit (timestamp in epoch ms, then the
 * event id as the tie-breaker), and the order they were taken in. Handed to clients as an opaque
 * base64url string; a cursor only makes sense for the order it was produced in.
 */
export interface EventCursor {
  readonly sort: EventSort;
  readonly after: readonly [number, string];
}

const MAX_CURSOR_LENGTH = 1024;

export function encodeCursor(cursor: EventCursor): string {
  return Buffer.from(JSON.stringify({ v: 1, s: cursor.sort, a: cursor.after }), 'utf8').toString('base64url');
}

/** Throws SearchError('INVALID_CURSOR') for anything encodeCursor did not produce. */
export function decodeCursor(text: string): EventCursor {
  const invalid = (why: string): SearchError => new SearchError('INVALID_CURSOR', `malformed cursor: ${why}`);
  if (text.length === 0 || text.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text)) throw invalid('not a base64url token');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid('not a cursor returned by this API');
  }
  if (typeof value !== 'object' || value === null) throw invalid('not a cursor returned by this API');
  const { v, s, a } = value as { v?: unknown; s?: unknown; a?: unknown };
  if (v !== 1) throw invalid('unknown cursor version');
  if (s !== 'asc' && s !== 'desc') throw invalid('unknown sort order');
  if (!Array.isArray(a) || a.length !== 2) throw invalid('unexpected position');
  const [time, id] = a as unknown[];
  if (typeof time !== 'number' || !Number.isSafeInteger(time) || typeof id !== 'string' || id.length === 0) {
    throw invalid('unexpected position');
  }
  return { sort: s, after: [time, id] };
}
