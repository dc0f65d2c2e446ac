import { Module } from '@nestjs/common';

/** The queues part of the REST API. */
@Module({})
export class QueuesModule {}
