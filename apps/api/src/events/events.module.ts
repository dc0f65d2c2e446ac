import { Module } from '@nestjs/common';

/** The events part of the REST API. */
@Module({})
export class EventsModule {}
