import { BadRequestException } from '@nestjs/common';
import type { z } from 'zod';

/** Parses a query with a zod schema; every problem is named in one 400. */
export function parseQuery<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  throw new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: issues.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`)).join('; '),
    issues,
  });
}
