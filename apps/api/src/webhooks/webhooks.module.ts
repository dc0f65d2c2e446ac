import { Module } from '@nestjs/common';

/** The webhooks part of the REST API. */
@Module({})
export class WebhooksModule {}
