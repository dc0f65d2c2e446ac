import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, TOP_TERMS } from '@wharf/search';
import { EVENT_ACTIONS } from './events.schemas.js';

/* OpenAPI descriptions of the events API: response shapes and query parameters. */

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;

/** The registry:2 notification envelope of one event, exactly as the registry emitted it. */
export const EVENT_SCHEMA = {
  type: 'object',
  required: ['id', 'timestamp', 'action', 'target', 'request', 'actor', 'source'],
  properties: {
    id: str,
    timestamp: { type: 'string', format: 'date-time' },
    action: { type: 'string', enum: EVENT_ACTIONS },
    target: {
      type: 'object',
      properties: {
        mediaType: str,
        size: int,
        digest: str,
        length: int,
        repository: str,
        fromRepository: str,
        url: str,
        tag: str,
      },
    },
    request: { type: 'object', properties: { id: str, addr: str, host: str, method: str, useragent: str } },
    actor: { type: 'object', properties: { name: str } },
    source: { type: 'object', properties: { addr: str, instanceID: str } },
  },
};

export const EVENT_PAGE_SCHEMA = {
  type: 'object',
  required: ['events', 'nextCursor', 'total'],
  properties: {
    events: { type: 'array', items: EVENT_SCHEMA },
    nextCursor: { type: 'string', nullable: true, description: 'Pass as `cursor` for the next page; null on the last page.' },
    total: { ...int, description: 'Events matching the filters, across all pages.' },
  },
};

const COUNTED = {
  type: 'array',
  items: { type: 'object', properties: { key: str, count: int } },
};

export const AGGREGATIONS_SCHEMA = {
  type: 'object',
  properties: {
    total: { ...int, description: 'Events matching every filter.' },
    histogram: {
      type: 'object',
      properties: {
        interval: { type: 'string', description: 'Width of one bucket (1s, 5m, 1h, 1d, 7d …), chosen for at most ~60 buckets.' },
        buckets: { type: 'array', items: { type: 'object', properties: { start: { type: 'string', format: 'date-time' }, count: int } } },
      },
    },
    topRepositories: { ...COUNTED, description: `The ${TOP_TERMS} repositories with the most matching events.` },
    topActors: { ...COUNTED, description: `The ${TOP_TERMS} actors with the most matching events.` },
    actions: { ...COUNTED, description: 'Events per action, counted with every filter except `action` (facets).' },
  },
};

export const ERROR_SCHEMA = {
  type: 'object',
  properties: { statusCode: int, error: str, message: str },
};

/** The filter parameters shared by the search and the aggregations. */
export function ApiEventFilters(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiQuery({ name: 'q', required: false, description: 'Free text over repository, tag, digest, actor, user agent and client address; every word must match, the last as a prefix. An event id also matches.' }),
    ApiQuery({ name: 'action', required: false, isArray: true, enum: EVENT_ACTIONS, description: 'Repeat or comma-separate for several.' }),
    ApiQuery({ name: 'repository', required: false, isArray: true, type: String, description: 'Exact name or a glob with * (library/*).' }),
    ApiQuery({ name: 'tag', required: false, isArray: true, type: String, description: 'Exact tag or a glob with * (v1.*).' }),
    ApiQuery({ name: 'actor', required: false, isArray: true, type: String }),
    ApiQuery({ name: 'from', required: false, type: String, description: 'Inclusive; ISO 8601 date-time with zone, or a date (UTC midnight).' }),
    ApiQuery({ name: 'to', required: false, type: String, description: 'Exclusive; same formats as from.' }),
  );
}

export function ApiEventPaging(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiQuery({ name: 'sort', required: false, enum: ['desc', 'asc'], description: 'By timestamp; default desc (newest first).' }),
    ApiQuery({ name: 'size', required: false, type: Number, description: `Events per page, 1–${MAX_PAGE_SIZE}; default ${DEFAULT_PAGE_SIZE}.` }),
    ApiQuery({ name: 'cursor', required: false, type: String, description: 'nextCursor of the previous page (same sort).' }),
  );
}
