import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { parseRequest as parse } from '../http/parse-request.js';
import { leaderboardQuery, MAX_LEADERBOARD, PERIODS } from './repositories.schemas.js';
import { RepositoriesService, type Leaderboard } from './repositories.service.js';
import { schemaRef } from '../http/openapi.schemas.js';

/** The downloads leaderboard: GET /api/downloads/leaderboard. */
@ApiTags('repositories')
@ApiServiceUnavailableResponse({ description: 'No database section is configured, or PostgreSQL does not answer.' })
@Controller('downloads')
export class DownloadsController {
  constructor(private readonly repositories: RepositoriesService) {}

  @Get('leaderboard')
  @ApiOperation({
    summary: 'Most downloaded repositories (or tags) over a period',
    description: 'Periods are UTC days: day = today, week = the last 7 days, month = the last 30 days, all = every day counted. by=tag leaves out downloads by digest.',
  })
  @ApiQuery({ name: 'period', required: false, schema: { type: 'string', enum: [...PERIODS], default: 'week' } })
  @ApiQuery({ name: 'by', required: false, schema: { type: 'string', enum: ['repository', 'tag'], default: 'repository' } })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_LEADERBOARD, default: 10 } })
  @ApiOkResponse({
    description: 'Ranked entries',
    schema: { ...schemaRef('Leaderboard'), example: { period: 'week', by: 'tag', since: '2025-05-26', items: [{ rank: 1, repository: 'library/nginx', tag: 'latest', pulls: 421 }] } },
  })
  @ApiBadRequestResponse({ description: 'Unknown period or by, limit out of range, or an unknown query parameter.' })
  async leaderboard(@Query() query: unknown): Promise<Leaderboard> {
    return this.repositories.leaderboard(parse(leaderboardQuery, query));
  }
}
