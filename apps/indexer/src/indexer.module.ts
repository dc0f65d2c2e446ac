import { Module, type DynamicModule } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import type { RedisConnection } from '@wharf/queue';
import { InternalConsumer, internalQueueName } from '@wharf/events';
import type { Logger } from '@wharf/observability';
import type { EventDocument } from '@wharf/search';
import type { BulkBatcher } from './bulk-batcher.js';
import { EventIndexProcessor } from './event-index.processor.js';
import { EVENT_BATCHER, LOGGER } from './indexer.tokens.js';

/** The indexer role: one BullMQ worker on the indexer queue feeding the bulk batcher. */
@Module({})
export class IndexerModule {
  static forRoot(deps: { connection: RedisConnection; prefix: string; batcher: BulkBatcher<EventDocument>; logger: Logger }): DynamicModule {
    return {
      module: IndexerModule,
      // registerQueue also brings in the explorer that starts the @Processor worker
      imports: [
        BullModule.forRoot({ connection: deps.connection, prefix: deps.prefix }),
        BullModule.registerQueue({ name: internalQueueName(InternalConsumer.Indexer) }),
      ],
      providers: [
        { provide: EVENT_BATCHER, useValue: deps.batcher },
        { provide: LOGGER, useValue: deps.logger },
        EventIndexProcessor,
      ],
    };
  }
}
