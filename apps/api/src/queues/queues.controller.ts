import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { DeadLetterPage, QueueHealth, RedeliveryResult, ReplayResult } from '@wharf/queue';
import { deadLettersQuery, MAX_DEAD_LETTER_PAGE, MAX_REDELIVER_IDS, redeliverBody, replayBody } from './queues.schemas.js';
import { QueuesService } from './queues.service.js';
import { parseRequest } from '../http/parse-request.js';
import { schemaRef } from '../http/openapi.schemas.js';

const NAME_PARAM = {
  name: 'name',
  description: 'A configured queue: events.indexer, events.counter, events.deployer, endpoint.<name>, or an endpoint name as in config.yml',
  example: 'events.indexer',
};

/** Queue health, dead letters and replay: GET /api/queues and friends. */
@ApiTags('queues')
@ApiServiceUnavailableResponse({ description: 'No redis section is configured, or Redis does not answer.' })
@Controller('queues')
export class QueuesController {
  constructor(private readonly queues: QueuesService) {}

  @Get()
  @ApiOperation({ summary: 'Health of every queue: depth by state, oldest waiting job, delivery latency, who consumes it, endpoint breakers' })
  @ApiOkResponse({
    schema: schemaRef('QueuesHealth'),
    description:
      '{"queues": [QueueHealth…]}: one per worker queue (events.indexer, events.counter, events.deployer, when their store is configured) and per endpoint (endpoint.<name>). ' +
      'counts.failed is the dead-letter set; consumers = {workers: BullMQ workers connected now, in any process; paused; consuming: workers > 0 and not paused}.',
  })
  async health(): Promise<{ queues: QueueHealth[] }> {
    return { queues: await this.queues.health() };
  }

  @Get(':name/dead-letters')
  @ApiOperation({ summary: "A page of the queue's dead letters, newest first" })
  @ApiParam(NAME_PARAM)
  @ApiQuery({ name: 'offset', required: false, schema: { type: 'integer', minimum: 0, default: 0 } })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_DEAD_LETTER_PAGE, default: 20 } })
  @ApiOkResponse({ description: '{"total": n, "items": [{jobId, event, failedReason, attemptsMade, enqueuedAt, failedAt}…]}' })
  @ApiBadRequestResponse({ description: 'Malformed or out-of-range offset/limit, or an unknown query parameter.' })
  @ApiNotFoundResponse({ description: 'No such queue in the configuration.' })
  async deadLetters(@Param('name') name: string, @Query() query: unknown): Promise<DeadLetterPage> {
    const { offset, limit } = parseRequest(deadLettersQuery, query);
    return this.queues.deadLetters(name, offset, limit);
  }

  @Post(':name/dead-letters/redeliver')
  @HttpCode(200)
  @ApiOperation({ summary: 'Redeliver dead letters: the given job ids, or all of them' })
  @ApiParam(NAME_PARAM)
  @ApiBody({
    schema: {
      oneOf: [
        { type: 'object', required: ['jobIds'], properties: { jobIds: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: MAX_REDELIVER_IDS } } },
        { type: 'object', required: ['all'], properties: { all: { type: 'boolean', enum: [true] } } },
      ],
    },
  })
  @ApiOkResponse({ description: '{"redelivered": [{from, jobId}…], "notFound": [jobId…]}' })
  @ApiBadRequestResponse({ description: 'Neither jobIds nor all: true, or too many ids.' })
  @ApiNotFoundResponse({ description: 'No such queue in the configuration.' })
  async redeliver(@Param('name') name: string, @Body() body: unknown): Promise<RedeliveryResult> {
    const parsed = parseRequest(redeliverBody, body);
    return this.queues.redeliver(name, 'jobIds' in parsed ? parsed.jobIds : undefined);
  }

  @Post(':name/replay')
  @HttpCode(202)
  @ApiOperation({ summary: 'Re-enqueue every logged event since a point in time to this queue (after its filters)' })
  @ApiParam(NAME_PARAM)
  @ApiBody({ schema: { type: 'object', required: ['since'], properties: { since: { type: 'string', format: 'date-time' } } } })
  @ApiOkResponse({ description: '{"since", "enqueued", "logStartsAt"}: logStartsAt is the oldest event the replay log still holds.' })
  @ApiBadRequestResponse({ description: 'since missing or not an ISO 8601 date-time with a time zone.' })
  @ApiNotFoundResponse({ description: 'No such queue in the configuration.' })
  async replay(@Param('name') name: string, @Body() body: unknown): Promise<ReplayResult> {
    const { since } = parseRequest(replayBody, body);
    return this.queues.replay(name, new Date(since));
  }
}
