import { Module } from '@nestjs/common';
import { DeliveriesController } from './deliveries.controller.js';
import { WebhooksBackend } from './webhooks.backend.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksService } from './webhooks.service.js';

/** The webhooks part of the REST API: subscriptions CRUD, delivery log, ping and redelivery. */
@Module({
  controllers: [WebhooksController, DeliveriesController],
  providers: [WebhooksBackend, WebhooksService],
})
export class WebhooksModule {}
