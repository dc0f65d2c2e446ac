import { z } from 'zod';

/*
 * Request shapes of the queues API. Strict objects: an unknown or misspelt key is a 400, not
 * silently ignored. Page sizes are capped.
 */

export const MAX_DEAD_LETTER_PAGE = 100;
export const MAX_REDELIVER_IDS = 1_000;

const integer = (name: string, min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .pipe(z.number().int().min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`))
    .optional()
    .transform((v) => v ?? fallback);

export const deadLettersQuery = z.strictObject({
  offset: integer('offset', 0, 1_000_000_000, 0),
  limit: integer('limit', 1, MAX_DEAD_LETTER_PAGE, 20),
});

export const redeliverBody = z.union(
  [
    z.strictObject({ all: z.literal(true) }),
    z.strictObject({
      jobIds: z
        .array(z.string().min(1).max(300))
        .min(1, 'jobIds must name at least one job')
        .max(MAX_REDELIVER_IDS, `at most ${MAX_REDELIVER_IDS} jobIds per request`),
    }),
  ],
  { error: 'expected {"jobIds": ["…"]} to redeliver some dead letters or {"all": true} to redeliver every one' },
);

export const replayBody = z.strictObject({
  since: z.iso.datetime({ offset: true, error: 'since must be an ISO 8601 date-time with a time zone, e.g. 2025-01-31T12:00:00Z' }),
});

type DeadLettersQuery = z.output<typeof deadLettersQuery>;
type RedeliverBody = z.output<typeof redeliverBody>;
type ReplayBody = z.output<typeof replayBody>;
