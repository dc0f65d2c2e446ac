import { Injectable } from '@nestjs/common';
import type { RegistryEvent } from '@wharf/events';
import type { EventAggregations, EventFilters, EventPage, EventPageQuery } from '@wharf/search';
import { EventNotFoundError } from './event-not-found.error.js';
import { EventSearchBackend } from './event-search.backend.js';

/** Searches the indexed activity: pages of events, aggregations, one event by id. */
@Injectable()
export class EventsService {
  constructor(private readonly backend: EventSearchBackend) {}

  page(query: EventPageQuery): Promise<EventPage> {
    return this.backend.events().page(query);
  }

  aggregations(filters: EventFilters): Promise<EventAggregations> {
    return this.backend.events().aggregate(filters);
  }

  async get(id: string): Promise<RegistryEvent> {
    const event = await this.backend.events().findById(id);
    if (!event) throw new EventNotFoundError(id);
    return event;
  }
}
