import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { WharfConfig } from '@wharf/config';
import type { Logger } from '@wharf/observability';
import { LOGGER, WHARF_CONFIG } from './api.tokens.js';
import { AuthModule } from './auth/auth.module.js';
import { EventsModule } from './events/events.module.js';
import { MirrorsModule } from './mirrors/mirrors.module.js';
import { QueuesModule } from './queues/queues.module.js';
import { RepositoriesModule } from './repositories/repositories.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

/** Config and logger for every feature module. */
@Global()
@Module({})
class ApiContextModule {
  static forRoot(config: WharfConfig, logger: Logger): DynamicModule {
    return {
      module: ApiContextModule,
      providers: [
        { provide: WHARF_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
      ],
      exports: [WHARF_CONFIG, LOGGER],
    };
  }
}

/** The query and management REST API the dashboard and scripts use, under /api. */
@Module({})
export class ApiModule {
  static forRoot(config: WharfConfig, logger: Logger): DynamicModule {
    return {
      module: ApiModule,
      imports: [ApiContextModule.forRoot(config, logger), AuthModule, EventsModule, RepositoriesModule, WebhooksModule, QueuesModule, MirrorsModule],
    };
  }
}
