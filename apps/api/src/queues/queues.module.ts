import { Module } from '@nestjs/common';
import { QueuesController } from './queues.controller.js';
import { QueuesService } from './queues.service.js';

/** The queues part of the REST API: health, dead letters, redelivery and replay (over libs/queue). */
@Module({
  controllers: [QueuesController],
  providers: [QueuesService],
})
export class QueuesModule {}
