import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '@wharf/search';
import { EVENT_ACTIONS } from './events.schemas.js';

/* OpenAPI descriptions of the events API's query parameters (its answers: http/openapi.schemas.ts). */

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
