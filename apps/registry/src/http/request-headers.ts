import { RegistryError } from '@wharf/registry-core';

/**
 * `Range: bytes=start-end` of a blob GET, resolved against the blob size.
 * Undefined: serve the whole blob; 'unsatisfiable': answer 416.
 */
export function parseByteRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return 'unsatisfiable';
  let start: number;
  let end: number;
  if (match[1] === '') {
    // Suffix range: the last N bytes.
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(size - suffix, 0);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

/** `Content-Range: start-end` of an upload chunk, in the spec's exact form (`^[0-9]+-[0-9]+$`). */
export function parseContentRange(header: string | undefined): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const match = /^(\d+)-(\d+)$/.exec(header.trim());
  if (!match) throw new RegistryError('BLOB_UPLOAD_INVALID', { contentRange: header.slice(0, 100) }, { status: 416, message: 'invalid content range' });
  return { start: Number(match[1]), end: Number(match[2]) };
}

export function parseContentLength(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const value = Number(header);
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/** Media types from one or more Accept headers, parameters dropped. */
export function parseAccept(header: string | string[] | undefined): string[] {
  if (header === undefined) return [];
  const values = Array.isArray(header) ? header : [header];
  return values.flatMap((v) => v.split(',')).map((v) => v.split(';', 1)[0]!.trim().toLowerCase()).filter((v) => v !== '');
}
