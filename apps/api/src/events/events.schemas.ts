import { EventAction } from '@wharf/events';
import { decodeCursor, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, SearchError, type EventCursor, type EventFilters, type EventPageQuery } from '@wharf/search';
import { z } from 'zod';

/*
 * Query strings of the events API. Strict: an unknown or misspelt parameter is a 400, as is any
 * value that cannot mean anything (a bad date, a page size over the cap, a cursor we did not issue).
 * Every problem is reported at once, named by its parameter.
 */

/** Values per list filter; a longer list is a script gone wrong, not a search. */
const MAX_VALUES = 50;
export const EVENT_ACTIONS = Object.values(EventAction);

/** `action=push&action=pull` and `action=push,pull` both mean [push, pull]. */
const list = <T extends z.ZodType<string>>(item: T) =>
  z.preprocess((value) => {
    if (value === undefined) return undefined;
    const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => (typeof v === 'string' ? v.split(',') : [v]));
    return parts.map((v) => (typeof v === 'string' ? v.trim() : v)).filter((v) => v !== '');
  }, z.array(item).max(MAX_VALUES).optional());

/** RFC 3339 / ISO 8601: a date-time with Z or an offset, or a bare date (midnight UTC). */
const instant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], { error: 'expected an ISO 8601 date or date-time with a time zone, e.g. 2025-11-23T10:00:00Z' })
  .transform((text) => new Date(text));

const filterShape = {
  // a repeated parameter arrives as an array and fails here: only list filters take several values
  q: z.string({ error: 'expected one search text' }).max(256).optional(),
  action: list(z.enum(EVENT_ACTIONS, { error: `expected ${EVENT_ACTIONS.join(', ')}` })),
  repository: list(z.string().max(256)),
  tag: list(z.string().max(128)),
  actor: list(z.string().max(256)),
  from: instant.optional(),
  to: instant.optional(),
};

const pageShape = {
  ...filterShape,
  sort: z.enum(['desc', 'asc'], { error: 'expected desc or asc' }).default('desc'),
  size: z.coerce
    .number({ error: 'expected a number' })
    .int('expected a whole number')
    .min(1, 'expected at least 1')
    .max(MAX_PAGE_SIZE, `at most ${MAX_PAGE_SIZE} events per page`)
    .default(DEFAULT_PAGE_SIZE),
  cursor: z
    .string()
    .transform((text, ctx): EventCursor => {
      try {
        return decodeCursor(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: err instanceof SearchError ? err.message : 'malformed cursor' });
        return z.NEVER;
      }
    })
    .optional(),
};

type RangeInput = { from?: Date | undefined; to?: Date | undefined };
const rangeIsOrdered = (value: RangeInput): boolean => !value.from || !value.to || value.from < value.to;
const RANGE_ISSUE = { message: 'from must be before to', path: ['to'] };

export const eventFiltersQuery = z.strictObject(filterShape).refine(rangeIsOrdered, RANGE_ISSUE);

export const eventsPageQuery = z
  .strictObject(pageShape)
  .refine(rangeIsOrdered, RANGE_ISSUE)
  .refine((value) => !value.cursor || value.cursor.sort === value.sort, {
    message: 'this cursor belongs to the other sort order',
    path: ['cursor'],
  });

export const eventIdParam = z.string().min(1).max(512);

export function toFilters(query: z.output<typeof eventFiltersQuery>): EventFilters {
  const filters: EventFilters = {};
  if (query.q !== undefined && query.q.trim() !== '') filters.q = query.q;
  if (query.action?.length) filters.actions = query.action;
  if (query.repository?.length) filters.repositories = query.repository;
  if (query.tag?.length) filters.tags = query.tag;
  if (query.actor?.length) filters.actors = query.actor;
  if (query.from) filters.from = query.from;
  if (query.to) filters.to = query.to;
  return filters;
}

export function toPageQuery(query: z.output<typeof eventsPageQuery>): EventPageQuery {
  const page: EventPageQuery = { ...toFilters(query), sort: query.sort, size: query.size };
  if (query.cursor) page.after = query.cursor;
  return page;
}

