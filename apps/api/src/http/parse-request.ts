import type { z } from 'zod';
import { ApiError } from './api-error.js';

/** Parses a request part (query, params, body) with a zod schema; every problem is named by its path in one 400. */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  throw new ApiError('INVALID_REQUEST', issues.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`)).join('; '), { issues });
}
