import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { parsePageSize, TagService } from '@wharf/registry-core';
import { RepositoryNamePipe } from '../http/registry-params.pipe.js';
import { UrlBuilder } from '../http/url-builder.js';

@Controller('v2/:name/tags')
export class TagsController {
  constructor(
    private readonly tags: TagService,
    private readonly urls: UrlBuilder,
  ) {}

  @Get('list')
  async list(
    @Param('name', RepositoryNamePipe) name: string,
    @Query('n') n: string | undefined,
    @Query('last') last: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const page = await this.tags.list(name, { n: parsePageSize(n), last });
    if (page.next !== undefined) {
      reply.header('Link', this.urls.link(`v2/${name}/tags/list`, { n: String(page.size), last: page.next }));
    }
    reply.header('Content-Type', 'application/json; charset=utf-8').send(JSON.stringify({ name, tags: page.items }));
  }
}
