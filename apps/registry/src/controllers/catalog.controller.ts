import { Controller, Get, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CatalogService, parsePageSize } from '@wharf/registry-core';
import { UrlBuilder } from '../http/url-builder.js';

@Controller('v2/_catalog')
export class CatalogController {
  constructor(
    private readonly catalog: CatalogService,
    private readonly urls: UrlBuilder,
  ) {}

  @Get()
  async list(@Query('n') n: string | undefined, @Query('last') last: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    const page = await this.catalog.list({ n: parsePageSize(n), last });
    if (page.next !== undefined) {
      reply.header('Link', this.urls.link('v2/_catalog', { n: String(page.size), last: page.next }));
    }
    reply.header('Content-Type', 'application/json; charset=utf-8').send(JSON.stringify({ repositories: page.items }));
  }
}
