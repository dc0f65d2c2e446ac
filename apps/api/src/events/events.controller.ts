import { Controller, Get, Param, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { RegistryEvent } from '@wharf/events';
import type { EventAggregations, EventPage } from '@wharf/search';
import { ApiEventFilters, ApiEventPaging } from './events.openapi.js';
import { parseRequest } from '../http/parse-request.js';
import { eventFiltersQuery, eventIdParam, eventsPageQuery, toFilters, toPageQuery } from './events.schemas.js';
import { EventsService } from './events.service.js';
import { schemaRef } from '../http/openapi.schemas.js';

/** The searchable activity: GET /api/events, /api/events/aggregations, /api/events/:id. */
@ApiTags('events')
@ApiServiceUnavailableResponse({ description: 'Elasticsearch is not configured or does not answer.', schema: schemaRef('ApiError') })
@Controller('events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get()
  @ApiOperation({
    summary: 'Search events',
    description: 'Newest first by default. Follow nextCursor for the next page; a cursor walk returns every matching event exactly once.',
  })
  @ApiEventFilters()
  @ApiEventPaging()
  @ApiOkResponse({ schema: schemaRef('EventPage') })
  @ApiBadRequestResponse({ description: 'Unknown parameter, bad date, size over the cap, malformed cursor; every problem named.', schema: schemaRef('ApiError') })
  search(@Query() query: unknown): Promise<EventPage> {
    return this.events.page(toPageQuery(parseRequest(eventsPageQuery, query)));
  }

  @Get('aggregations')
  @ApiOperation({ summary: 'Events over time, top repositories and actors, counts per action — for the same filters as the search' })
  @ApiEventFilters()
  @ApiOkResponse({ schema: schemaRef('EventAggregations') })
  @ApiBadRequestResponse({ description: 'Unknown parameter or bad value.', schema: schemaRef('ApiError') })
  aggregations(@Query() query: unknown): Promise<EventAggregations> {
    return this.events.aggregations(toFilters(parseRequest(eventFiltersQuery, query)));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One event, as the registry:2 envelope the registry emitted' })
  @ApiParam({ name: 'id', description: 'The event id' })
  @ApiOkResponse({ schema: schemaRef('RegistryEvent') })
  @ApiNotFoundResponse({ description: 'No event with this id is indexed.', schema: schemaRef('ApiError') })
  get(@Param('id') id: string): Promise<RegistryEvent> {
    return this.events.get(parseRequest(eventIdParam, id));
  }
}
