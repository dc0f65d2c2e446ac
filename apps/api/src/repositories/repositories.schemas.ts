import { z } from 'zod';

/*
 * Request shapes of the repositories and downloads API. Strict objects: an unknown or misspelt
 * query parameter is a 400, not silently ignored. Page sizes are capped (a larger one is a 400).
 */

export const MAX_PAGE_SIZE = 100;
export const MAX_LEADERBOARD = 100;

export const REPOSITORY_SORTS = ['pulls', 'pushes', 'name', 'lastPulled'] as const;
export type RepositorySort = (typeof REPOSITORY_SORTS)[number];
/** What storage alone can sort by, when no `database` section is configured. */
export const STORAGE_REPOSITORY_SORTS = ['name'] as const satisfies readonly RepositorySort[];

export const PERIODS = ['day', 'week', 'month', 'all'] as const;
export type Period = (typeof PERIODS)[number];

const integer = (name: string, min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .pipe(z.number().int().min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`))
    .optional()
    .transform((v) => v ?? fallback);

const cursor = z.string().min(1).max(1_000, 'cursor is too long').optional();

export const repositoriesQuery = z.strictObject({
  q: z.string().max(255, 'q must be at most 255 characters').optional(),
  // no default here: it depends on whether counters exist (pulls with a database, name without)
  sort: z.enum(REPOSITORY_SORTS, { error: `sort must be one of ${REPOSITORY_SORTS.join(', ')}` }).optional(),
  cursor,
  size: integer('size', 1, MAX_PAGE_SIZE, 20),
});

export const tagsQuery = z.strictObject({
  cursor,
  size: integer('size', 1, MAX_PAGE_SIZE, 50),
});

export const leaderboardQuery = z.strictObject({
  period: z.enum(PERIODS, { error: `period must be one of ${PERIODS.join(', ')}` }).default('week'),
  by: z.enum(['repository', 'tag'], { error: 'by must be repository or tag' }).default('repository'),
  limit: integer('limit', 1, MAX_LEADERBOARD, 10),
});

export const emptyQuery = z.strictObject({});
