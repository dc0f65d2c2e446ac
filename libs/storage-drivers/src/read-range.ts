import { InvalidOffsetError } from '@wharf/registry-core';

/**
 * Checks `reader`'s arguments before any I/O: a non-negative integer offset, and an
 * inclusive end no lower than offset - 1 (which is the empty range). Past-the-end
 * offsets are checked by the driver against the file's size.
 */
export function checkReadRange(path: string, offset: number, end: number | undefined): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidOffsetError(path, offset);
  if (end !== undefined && (!Number.isSafeInteger(end) || end < offset - 1)) throw new InvalidOffsetError(path, offset);
}
