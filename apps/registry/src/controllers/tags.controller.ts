import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parsePageSize, RepositoryReads } from '@wharf/registry-core';
import { cacheNamespace } from '../http/cache-namespace.js';
import { RepositoryNamePipe } from '../http/registry-params.pipe.js';
import { UrlBuilder } from '../http/url-builder.js';

@Controller('v2/:name/tags')
export class TagsController {
  constructor(
    private readonly reads: RepositoryReads,
    private readonly urls: UrlBuilder,
  ) {}

  @Get('list')
  async list(
    @Param('name', RepositoryNamePipe) name: string,
    @Query('n') n: string | undefined,
    @Query('last') last: string | undefined,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const page = await this.reads.tags(name, cacheNamespace(req), { n: parsePageSize(n), last });
    if (page.next !== undefined) {
      reply.header('Link', this.urls.link(`v2/${name}/tags/list`, { n: String(page.size), last: page.next }));
    }
    reply.header('Content-Type', 'application/json; charset=utf-8').send(JSON.stringify({ name, tags: page.items }));
  }
}
