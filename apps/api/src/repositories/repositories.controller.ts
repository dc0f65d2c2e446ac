import { Controller, Delete, Get, HttpCode, Inject, Query, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiMethodNotAllowedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { WharfConfig } from '@wharf/config';
import { WHARF_CONFIG } from '../api.tokens.js';
import { principalOf } from '../auth/api-principal.js';
import { eventContext } from '../images/event-context.js';
import { ImageTagsService } from '../images/image-tags.service.js';
import { registryBaseUrl } from '../images/registry-address.js';
import { ApiError } from '../http/api-error.js';
import { parseRequest as parse } from '../http/parse-request.js';
import { emptyQuery, MAX_PAGE_SIZE, REPOSITORY_SORTS, repositoriesQuery, tagsQuery } from './repositories.schemas.js';
import { RepositoriesService, type RepositoriesPage } from './repositories.service.js';
import { parseRepositoryPath, type RepositoryPath } from './repository-path.js';
import { schemaRef } from '../http/openapi.schemas.js';

const REPOSITORY_EXAMPLE = {
  name: 'library/nginx',
  pulls: 1234,
  pushes: 12,
  lastPulledAt: '2025-06-01T12:00:00.000Z',
  lastPushedAt: '2025-05-30T08:15:00.000Z',
};

const COUNTERS_FLAG =
  'counters: true when the counter fields (pulls, pushes, lastPulledAt/lastPushedAt, lastPulledDay/lastPushedDay, pullsByDigest) are real; ' +
  'false when no database section is configured: the answer comes from storage alone and those fields are null (unknown, not zero).';

/**
 * Repositories with their download and push counters (or from storage alone when no database
 * section is configured: counters null, `counters: false`), their tags and manifests as stored, and
 * deletes: GET /api/repositories, GET /api/repositories/<name>[/tags[/<tag>]|/manifests/<digest>],
 * DELETE …/tags/<tag> and …/manifests/<digest>. Names contain slashes; they may be written as they
 * are or URL-encoded (see repository-path.ts).
 */
@ApiTags('repositories')
@ApiServiceUnavailableResponse({ description: 'A database section is configured and PostgreSQL does not answer (try again shortly).' })
@Controller('repositories')
export class RepositoriesController {
  private readonly registryBaseUrl: string;

  constructor(
    private readonly repositories: RepositoriesService,
    private readonly images: ImageTagsService,
    @Inject(WHARF_CONFIG) config: WharfConfig,
  ) {
    this.registryBaseUrl = registryBaseUrl(config.http);
  }

  @Get()
  @ApiOperation({
    summary: 'Repositories with their counters, filtered by name, sorted, one page at a time',
    description: `${COUNTERS_FLAG} sorts: the sort values this API answers (without a database: name only).`,
  })
  @ApiQuery({ name: 'q', required: false, description: 'Case-insensitive substring of the repository name', schema: { type: 'string', maxLength: 255 } })
  @ApiQuery({
    name: 'sort',
    required: false,
    schema: { type: 'string', enum: [...REPOSITORY_SORTS] },
    description: 'pulls, pushes and lastPulled: highest/latest first; name: A to Z. Default pulls; name when no database section is configured, where a counter sort is a 400.',
  })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page (same sort)' })
  @ApiQuery({ name: 'size', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 } })
  @ApiOkResponse({
    description: 'A page of repositories',
    schema: { ...schemaRef('RepositoriesPage'), example: { items: [REPOSITORY_EXAMPLE], nextCursor: null, counters: true, sorts: [...REPOSITORY_SORTS] } },
  })
  @ApiBadRequestResponse({ description: 'Unknown sort, a counter sort with no database section, size out of range, a cursor not from this API, or an unknown query parameter.' })
  async list(@Query() query: unknown): Promise<RepositoriesPage> {
    const { q, sort, cursor, size } = parse(repositoriesQuery, query);
    return this.repositories.list({ size, ...(sort === undefined ? {} : { sort }), ...(q === undefined ? {} : { q }), ...(cursor === undefined ? {} : { cursor }) });
  }

  @Get('*')
  @ApiOperation({
    summary: 'One repository (…/<name>), its tags (…/<name>/tags), one tag (…/<name>/tags/<tag>) or one manifest (…/<name>/manifests/<digest>)',
    description:
      'The name keeps its slashes (/api/repositories/library/nginx) or is URL-encoded (/api/repositories/library%2Fnginx). ' +
      'A last segment "tags", or "tags/<tag>" or "manifests/<digest>" at the end, selects that resource; a repository whose name ends so is reached by encoding its slashes. ' +
      'The tags page takes cursor and size (1–100, default 50): every tag in storage or in the counters, most downloaded first, then by name; ' +
      'digest, mediaType, size, created are null and platforms [] for a counted tag no longer in storage. ' +
      'A tag or manifest: its config, layers (an index: [] and its platforms), size = manifest + config + layers (an index: the sum of its platforms), ' +
      'the tag\'s all-time counters (null for a manifest by digest: downloads are counted per tag) and its docker pull command. ' +
      'Without a database section: tags in storage by name, every counter null. ' +
      COUNTERS_FLAG,
  })
  @ApiParam({ name: 'path', description: '<name>, <name>/tags, <name>/tags/<tag> or <name>/manifests/<digest>', example: 'library/nginx' })
  @ApiOkResponse({
    description:
      'The repository (pullsByDigest: downloads by digest that no tag explains); or {repository, counters, items: [{tag, pulls, pushes, lastPulledDay, lastPushedDay, digest, mediaType, size, created, platforms: [{os, architecture, variant?}]}], nextCursor}; ' +
      'or {repository, tag, digest, mediaType, size, created, config, layers, platforms: [{os, architecture, variant?, digest, size}], pulls, pushes, lastPulledDay, lastPushedDay, pullCommand, counters}. Each carries counters (boolean).',
    schema: {
      oneOf: [schemaRef('RepositoryDetails'), schemaRef('TagsPage'), schemaRef('ManifestDetails')],
      example: { ...REPOSITORY_EXAMPLE, pullsByDigest: 3, tagCount: 4, counters: true },
    },
  })
  @ApiBadRequestResponse({ description: 'Not a valid repository name, tag or digest; bad cursor or size, or an unknown query parameter.' })
  @ApiNotFoundResponse({ description: 'No such repository (neither in storage nor counted; without a database: not in storage), tag or manifest.' })
  async one(@Req() request: FastifyRequest, @Query() query: unknown): Promise<unknown> {
    const path = repositoryPath(request);
    switch (path.resource) {
      case 'tags': {
        const { cursor, size } = parse(tagsQuery, query);
        return this.images.list(path.name, { size, ...(cursor === undefined ? {} : { cursor }) });
      }
      case 'tag':
        parse(emptyQuery, query);
        return this.images.tag(path.name, path.tag);
      case 'manifest':
        parse(emptyQuery, query);
        return this.images.manifest(path.name, path.digest);
      case 'repository':
        parse(emptyQuery, query);
        return this.repositories.get(path.name);
    }
  }

  @Delete('*')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a tag (…/<name>/tags/<tag>) or a manifest with every tag on it (…/<name>/manifests/<digest>)',
    description: 'As DELETE /v2/<name>/manifests/<reference> does, with the same registry:2 delete events. Blobs go at the next garbage collection.',
  })
  @ApiParam({ name: 'path', description: '<name>/tags/<tag> or <name>/manifests/<digest>', example: 'library/nginx/tags/1.25' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiBadRequestResponse({ description: 'Not a valid repository name, tag or digest.' })
  @ApiNotFoundResponse({ description: 'No such tag or manifest in the repository.' })
  @ApiMethodNotAllowedResponse({ description: 'Deletes are disabled (storage.delete.enabled: false), the registry is read-only, or the path is not a tag or manifest.' })
  async remove(@Req() request: FastifyRequest, @Query() query: unknown): Promise<void> {
    const path = repositoryPath(request);
    parse(emptyQuery, query);
    const ctx = eventContext(request, this.registryBaseUrl, principalOf(request)?.user ?? undefined);
    if (path.resource === 'tag') return this.images.deleteTag(path.name, path.tag, ctx);
    if (path.resource === 'manifest') return this.images.deleteManifest(path.name, path.digest, ctx);
    throw new ApiError('METHOD_NOT_ALLOWED', 'only a tag (…/<name>/tags/<tag>) or a manifest (…/<name>/manifests/<digest>) can be deleted');
  }
}

function repositoryPath(request: FastifyRequest): RepositoryPath {
  const path = parseRepositoryPath(request.url);
  if (path === undefined) {
    throw new ApiError(
      'INVALID_REQUEST',
      'not a valid repository name: lower-case path components of letters, digits and separators (. _ __ -), joined by /, at most 255 characters',
    );
  }
  return path;
}
