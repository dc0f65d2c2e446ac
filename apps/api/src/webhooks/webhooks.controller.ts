import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { z } from 'zod';
import { createWebhookBody, deliveriesQuery, MAX_DELIVERY_PAGE, updateWebhookBody } from './webhook.schemas.js';
import type { DeliveryView, SubscriptionView } from './webhook.views.js';
import { WebhooksService, type QueuedDelivery } from './webhooks.service.js';
import { parseRequest } from '../http/parse-request.js';
import { schemaRef } from '../http/openapi.schemas.js';

const ID_PARAM = { name: 'id', description: 'Subscription id (UUID)' };

/** Webhook subscriptions for CI/CD: GET/POST /api/webhooks and friends. */
@ApiTags('webhooks')
@ApiServiceUnavailableResponse({ description: 'No database (or redis) section is configured, or the server does not answer.' })
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get()
  @ApiOperation({ summary: 'Every subscription, oldest first, with its health (failing, consecutive failures, last error)' })
  @ApiOkResponse({ schema: schemaRef('Subscriptions') })
  async list(): Promise<{ items: SubscriptionView[] }> {
    return { items: await this.webhooks.list() };
  }

  @Post()
  @ApiOperation({
    summary: 'Create a subscription',
    description:
      'format: distribution (registry:2 envelope), deploy (compact image payload, the default), cloudevents (CloudEvents 1.0 JSON) or template (your own body). ' +
      'The secret signs every delivery (X-Wharf-Signature: sha256=HMAC-SHA256(secret, "<X-Wharf-Timestamp>.<body>")); omit it to have one generated. ' +
      'It is returned in this response only.',
  })
  @ApiBody({ schema: z.toJSONSchema(createWebhookBody, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as object })
  @ApiCreatedResponse({ description: 'The subscription, plus `secret` this once.', schema: { allOf: [schemaRef('Subscription'), { type: 'object', required: ['secret'], properties: { secret: { type: 'string' } } }] } })
  @ApiBadRequestResponse({ description: 'Invalid URL, unknown format, bad glob/regex/template, unknown key; every problem named by its path.' })
  async create(@Body() body: unknown): Promise<SubscriptionView & { secret: string }> {
    return this.webhooks.create(parseRequest(createWebhookBody, body));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One subscription (the secret shows only as a hint of its last characters)' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ schema: schemaRef('Subscription') })
  @ApiNotFoundResponse({ description: 'No subscription with this id.' })
  async get(@Param('id') id: string): Promise<SubscriptionView> {
    return this.webhooks.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a subscription: only the keys sent change (headers and filters keys are replaced as given)' })
  @ApiParam(ID_PARAM)
  @ApiBody({ schema: z.toJSONSchema(updateWebhookBody, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as object })
  @ApiOkResponse({ schema: schemaRef('Subscription') })
  @ApiBadRequestResponse({ description: 'Invalid values, or a format and template that do not agree.' })
  @ApiNotFoundResponse({ description: 'No subscription with this id.' })
  async update(@Param('id') id: string, @Body() body: unknown): Promise<SubscriptionView> {
    return this.webhooks.update(id, parseRequest(updateWebhookBody, body));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a subscription and its delivery log' })
  @ApiParam(ID_PARAM)
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiNotFoundResponse({ description: 'No subscription with this id.' })
  async remove(@Param('id') id: string): Promise<void> {
    await this.webhooks.remove(id);
  }

  @Post(':id/ping')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send a test event (X-Wharf-Event: ping) through the normal delivery path, even to a disabled subscription',
    description: 'Delivered, signed, retried and logged like any event; a success clears the failing flag.',
  })
  @ApiParam(ID_PARAM)
  @ApiAcceptedResponse({ schema: schemaRef('QueuedDelivery') })
  @ApiNotFoundResponse({ description: 'No subscription with this id.' })
  async ping(@Param('id') id: string): Promise<QueuedDelivery> {
    return this.webhooks.ping(id);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: "The subscription's delivery attempts, newest first, by cursor" })
  @ApiParam(ID_PARAM)
  @ApiQuery({ name: 'size', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_DELIVERY_PAGE, default: 20 } })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiOkResponse({ schema: schemaRef('DeliveriesPage') })
  @ApiBadRequestResponse({ description: 'size out of range, a malformed cursor, or an unknown query parameter.' })
  @ApiNotFoundResponse({ description: 'No subscription with this id.' })
  async deliveries(@Param('id') id: string, @Query() query: unknown): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
    const { size, cursor } = parseRequest(deliveriesQuery, query);
    return this.webhooks.deliveries(id, size, cursor);
  }
}
