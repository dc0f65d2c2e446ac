import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { schemaRef } from '../http/openapi.schemas.js';
import { MirrorsService, type MirrorView } from './mirrors.service.js';

/** The pull-through cache per upstream: GET /api/mirrors. */
@ApiTags('mirrors')
@Controller('mirrors')
export class MirrorsController {
  constructor(private readonly mirrors: MirrorsService) {}

  @Get()
  @ApiOperation({ summary: 'Every upstream the pull-through cache serves, with hits, fills (misses), bytes served and fetched, errors and the last failure' })
  @ApiOkResponse({ schema: schemaRef('Mirrors'), description: 'Every configured upstream; totals are cluster-wide (every registry replica adds to them in Redis).' })
  @ApiServiceUnavailableResponse({ description: 'Redis does not answer.' })
  async list(): Promise<{ mode: 'proxy' | 'mirrors'; mirrors: MirrorView[] }> {
    return this.mirrors.list();
  }
}
