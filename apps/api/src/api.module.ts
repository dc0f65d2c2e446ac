import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { WharfConfig } from '@wharf/config';
import type { Logger } from '@wharf/observability';
import type { RegistryWriter } from '@wharf/registry-core';
import { LOGGER, REGISTRY_WRITER, WHARF_CONFIG } from './api.tokens.js';
import { AuthModule } from './auth/auth.module.js';
import { EventsModule } from './events/events.module.js';
import { ApiExceptionFilter } from './http/api-exception.filter.js';
import { MirrorsModule } from './mirrors/mirrors.module.js';
import { QueuesModule } from './queues/queues.module.js';
import { RepositoriesModule } from './repositories/repositories.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

/** Config, logger and the registry's writer for every feature module. */
@Global()
@Module({})
class ApiContextModule {
  static forRoot(config: WharfConfig, logger: Logger, registry: RegistryWriter): DynamicModule {
    return {
      module: ApiContextModule,
      providers: [
        { provide: WHARF_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: REGISTRY_WRITER, useValue: registry },
      ],
      exports: [WHARF_CONFIG, LOGGER, REGISTRY_WRITER],
    };
  }
}

/** The query and management REST API the dashboard and scripts use, under /api; every failure through one filter. */
@Module({})
export class ApiModule {
  static forRoot(config: WharfConfig, logger: Logger, registry: RegistryWriter): DynamicModule {
    return {
      module: ApiModule,
      imports: [ApiContextModule.forRoot(config, logger, registry), AuthModule, EventsModule, RepositoriesModule, WebhooksModule, QueuesModule, MirrorsModule],
      providers: [{ provide: APP_FILTER, useClass: ApiExceptionFilter }],
    };
  }
}
