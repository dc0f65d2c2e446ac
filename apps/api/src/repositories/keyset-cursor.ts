import type { KeysetPosition } from './counters.reader.js';
import { invalidCursor } from '../http/api-error.js';

/** Opaque to clients: base64url JSON of the sort it belongs to and the last row's position. */
export function encodeCursor(sort: string, position: KeysetPosition): string {
  return Buffer.from(JSON.stringify({ s: sort, k: position.key, n: position.name })).toString('base64url');
}

export function decodeCursor(cursor: string, sort: string): KeysetPosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  const { s, k, n } = (value ?? {}) as { s?: unknown; k?: unknown; n?: unknown };
  if (s !== sort || typeof n !== 'string' || !(k === null || typeof k === 'string')) throw invalidCursor();
  // keys are bigint counts or timestamps: anything else would only reach SQL to fail there
  if (k !== null && !/^\d{1,19}$/.test(k) && Number.isNaN(Date.parse(k))) throw invalidCursor();
  if ((sort === 'pulls' || sort === 'pushes' || sort === 'tags') && (k === null || !/^\d{1,19}$/.test(k))) throw invalidCursor();
  if (sort === 'lastPulled' && k !== null && !/^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(k)) throw invalidCursor();
  return { key: k, name: n };
}

