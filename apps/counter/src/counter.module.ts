import { Module, type DynamicModule } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import type { RedisConnection } from '@wharf/queue';
import { InternalConsumer, internalQueueName } from '@wharf/events';
import type { Logger } from '@wharf/observability';
import { CountedEventsProcessor } from './counted-events.processor.js';
import type { CounterService } from './counter.service.js';
import { COUNTER_LOGGER, COUNTER_SERVICE } from './counter.tokens.js';

export interface CounterModuleOptions {
  connection: RedisConnection;
  prefix: string;
  service: CounterService;
  logger: Logger;
}

/** The counter role: the queue consumer and what it writes through, built by main.ts. */
@Module({})
export class CounterModule {
  static forRoot(options: CounterModuleOptions): DynamicModule {
    return {
      module: CounterModule,
      // registerQueue also brings in the explorer that starts @Processor workers
      imports: [
        BullModule.forRoot({ connection: options.connection, prefix: options.prefix }),
        BullModule.registerQueue({ name: internalQueueName(InternalConsumer.Counter) }),
      ],
      providers: [
        { provide: COUNTER_SERVICE, useValue: options.service },
        { provide: COUNTER_LOGGER, useValue: options.logger },
        CountedEventsProcessor,
      ],
    };
  }
}
