import { BadRequestException, Controller, Get, Query, Req, UseFilters } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { RepositoryCounters, TagCounters } from './counters.reader.js';
import { parseRequest as parse } from '../http/parse-request.js';
import { RepositoriesErrorFilter } from './repositories.filter.js';
import { emptyQuery, MAX_PAGE_SIZE, REPOSITORY_SORTS, repositoriesQuery, tagsQuery } from './repositories.schemas.js';
import { RepositoriesService, type Page } from './repositories.service.js';
import { parseRepositoryPath } from './repository-path.js';

const REPOSITORY_EXAMPLE = {
  name: 'library/nginx',
  pulls: 1234,
  pushes: 12,
  lastPulledAt: '2025-06-01T12:00:00.000Z',
  lastPushedAt: '2025-05-30T08:15:00.000Z',
};

/**
 * Repositories with their download and push counters: GET /api/repositories,
 * /api/repositories/<name> and /api/repositories/<name>/tags. Names contain slashes; they may be
 * written as they are or URL-encoded (see repository-path.ts).
 */
@ApiTags('repositories')
@ApiServiceUnavailableResponse({ description: 'No database section is configured, or PostgreSQL does not answer.' })
@UseFilters(RepositoriesErrorFilter)
@Controller('repositories')
export class RepositoriesController {
  constructor(private readonly repositories: RepositoriesService) {}

  @Get()
  @ApiOperation({ summary: 'Repositories with their counters, filtered by name, sorted, one page at a time' })
  @ApiQuery({ name: 'q', required: false, description: 'Case-insensitive substring of the repository name', schema: { type: 'string', maxLength: 255 } })
  @ApiQuery({ name: 'sort', required: false, schema: { type: 'string', enum: [...REPOSITORY_SORTS], default: 'pulls' }, description: 'pulls, pushes and lastPulled: highest/latest first; name: A to Z' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page (same sort)' })
  @ApiQuery({ name: 'size', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 } })
  @ApiOkResponse({ description: 'A page of repositories', schema: { example: { items: [REPOSITORY_EXAMPLE], nextCursor: null } } })
  @ApiBadRequestResponse({ description: 'Unknown sort, size out of range, a cursor not from this API, or an unknown query parameter.' })
  async list(@Query() query: unknown): Promise<Page<RepositoryCounters>> {
    const { q, sort, cursor, size } = parse(repositoriesQuery, query);
    return this.repositories.list({ sort, size, ...(q === undefined ? {} : { q }), ...(cursor === undefined ? {} : { cursor }) });
  }

  @Get('*')
  @ApiOperation({
    summary: 'One repository with its counters (…/<name>), or its tags with per-tag counts (…/<name>/tags)',
    description:
      'The name keeps its slashes (/api/repositories/library/nginx) or is URL-encoded (/api/repositories/library%2Fnginx). ' +
      'A last segment "tags" selects the tags; a repository whose name ends in "/tags" is reached by encoding that slash. ' +
      'The tags page takes cursor and size (1–100, default 50) and is sorted by downloads.',
  })
  @ApiParam({ name: 'path', description: '<name> or <name>/tags', example: 'library/nginx' })
  @ApiOkResponse({
    description: 'The repository (pullsByDigest: downloads by digest that no tag explains), or {repository, items: [{tag, pulls, pushes, lastPulledDay, lastPushedDay}], nextCursor}',
    schema: { example: { ...REPOSITORY_EXAMPLE, pullsByDigest: 3, tagCount: 4 } },
  })
  @ApiBadRequestResponse({ description: 'Not a valid repository name, bad cursor or size, or an unknown query parameter.' })
  @ApiNotFoundResponse({ description: 'No counters for this repository: never pushed or pulled.' })
  async one(
    @Req() request: FastifyRequest,
    @Query() query: unknown,
  ): Promise<(RepositoryCounters & { pullsByDigest: number; tagCount: number }) | (Page<TagCounters> & { repository: string })> {
    const path = parseRepositoryPath(request.url);
    if (path === undefined) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: 'not a valid repository name: lower-case path components of letters, digits and separators (. _ __ -), joined by /, at most 255 characters',
      });
    }
    if (path.resource === 'tags') {
      const { cursor, size } = parse(tagsQuery, query);
      return this.repositories.tags(path.name, { size, ...(cursor === undefined ? {} : { cursor }) });
    }
    parse(emptyQuery, query);
    return this.repositories.get(path.name);
  }
}
