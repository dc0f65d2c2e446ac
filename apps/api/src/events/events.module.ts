import { Module } from '@nestjs/common';
import { EventSearchBackend } from './event-search.backend.js';
import { EventsController } from './events.controller.js';
import { EventsService } from './events.service.js';

/** The events part of the REST API: search, aggregations and lookup of indexed registry events. */
@Module({
  controllers: [EventsController],
  providers: [EventSearchBackend, EventsService],
})
export class EventsModule {}
