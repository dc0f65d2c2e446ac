import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { DeliveryView } from './webhook.views.js';
import { WebhooksService, type QueuedDelivery } from './webhooks.service.js';
import { schemaRef } from '../http/openapi.schemas.js';

const ID_PARAM = { name: 'id', description: 'Delivery attempt id (UUID): the X-Wharf-Delivery header the receiver saw' };

/** One delivery attempt, and redelivering it: /api/deliveries/:id. */
@ApiTags('webhooks')
@ApiServiceUnavailableResponse({ description: 'No database (or redis) section is configured, or the server does not answer.' })
@Controller('deliveries')
export class DeliveriesController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get(':id')
  @ApiOperation({ summary: 'One delivery attempt, with the event it carried' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ schema: schemaRef('Delivery') })
  @ApiNotFoundResponse({ description: 'No delivery with this id.' })
  async get(@Param('id') id: string): Promise<DeliveryView> {
    return this.webhooks.delivery(id);
  }

  @Post(':id/redeliver')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Deliver the same event to the same subscription again, as a new delivery with its own attempts',
    description: 'Rendered from the subscription as it is now (a fixed URL or template applies). Its attempts have redeliveryOf set to this id.',
  })
  @ApiParam(ID_PARAM)
  @ApiAcceptedResponse({ schema: schemaRef('QueuedDelivery') })
  @ApiNotFoundResponse({ description: 'No delivery with this id.' })
  async redeliver(@Param('id') id: string): Promise<QueuedDelivery> {
    return this.webhooks.redeliver(id);
  }
}
