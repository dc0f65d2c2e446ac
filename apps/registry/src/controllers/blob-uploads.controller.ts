import { Controller, Delete, Get, Param, Patch, Post, Put, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { assertRepositoryName, BlobService, parseDigest, rangeHeader, RegistryError, UploadService, type BlobInfo } from '@wharf/registry-core';
import { RepositoryNamePipe } from '../http/registry-params.pipe.js';
import { bodyOrEmpty, bodyStream } from '../http/request-body.js';
import { parseContentLength, parseContentRange } from '../http/request-headers.js';
import { EventContextFactory } from '../http/event-context.factory.js';
import { UrlBuilder } from '../http/url-builder.js';

/** The upload protocol: POST to start (or mount, or upload whole), PATCH chunks, PUT to finish. */
@Controller('v2/:name/blobs/uploads')
export class BlobUploadsController {
  constructor(
    private readonly uploads: UploadService,
    private readonly blobs: BlobService,
    private readonly urls: UrlBuilder,
    private readonly events: EventContextFactory,
  ) {}

  @Post()
  async start(
    @Param('name', RepositoryNamePipe) name: string,
    @Query('digest') digestParam: string | undefined,
    @Query('mount') mountParam: string | undefined,
    @Query('from') fromParam: string | undefined,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (mountParam !== undefined) {
      const from = fromParam === undefined ? undefined : assertRepositoryName(fromParam);
      const mounted = await this.blobs.mount(name, parseDigest(mountParam), from, this.events.from(req));
      if (mounted) return this.created(req, reply, name, mounted);
    }
    if (digestParam !== undefined) {
      const blob = await this.uploads.monolithic(name, parseDigest(digestParam), bodyOrEmpty(req), this.events.from(req));
      return this.created(req, reply, name, blob);
    }
    const upload = await this.uploads.start(name);
    reply
      .status(202)
      .headers({
        Location: this.urls.upload(req, name, upload.id),
        'Docker-Upload-UUID': upload.id,
        'Content-Length': '0',
        ...rangeHeader(0),
      })
      .send();
  }

  @Get(':uuid')
  async status(@Param('name', RepositoryNamePipe) name: string, @Param('uuid') id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const upload = await this.uploads.status(name, id);
    reply.status(204).headers(this.progressHeaders(req, name, upload.id, upload.offset)).send();
  }

  @Patch(':uuid')
  async append(@Param('name', RepositoryNamePipe) name: string, @Param('uuid') id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const upload = await this.uploads.append(name, id, bodyOrEmpty(req), {
      range: parseContentRange(header(req, 'content-range')),
      contentLength: parseContentLength(header(req, 'content-length')),
    });
    reply.status(202).headers(this.progressHeaders(req, name, upload.id, upload.offset)).send();
  }

  @Put(':uuid')
  async complete(
    @Param('name', RepositoryNamePipe) name: string,
    @Param('uuid') id: string,
    @Query('digest') digestParam: string | undefined,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (digestParam === undefined) throw new RegistryError('DIGEST_INVALID', 'the digest query parameter is required');
    const claims = { range: parseContentRange(header(req, 'content-range')), contentLength: parseContentLength(header(req, 'content-length')) };
    const blob = await this.uploads.complete(name, id, parseDigest(digestParam), bodyStream(req), claims, this.events.from(req));
    this.created(req, reply, name, blob);
  }

  @Delete(':uuid')
  async cancel(@Param('name', RepositoryNamePipe) name: string, @Param('uuid') id: string, @Res() reply: FastifyReply): Promise<void> {
    await this.uploads.cancel(name, id);
    reply.status(204).header('Content-Length', '0').send();
  }

  private created(req: FastifyRequest, reply: FastifyReply, name: string, blob: BlobInfo): void {
    reply
      .status(201)
      .headers({ Location: this.urls.blob(req, name, blob.digest.value), 'Docker-Content-Digest': blob.digest.value, 'Content-Length': '0' })
      .send();
  }

  private progressHeaders(req: FastifyRequest, name: string, id: string, offset: number): Record<string, string> {
    return {
      Location: this.urls.upload(req, name, id),
      'Docker-Upload-UUID': id,
      'Content-Length': '0',
      ...rangeHeader(offset),
    };
  }
}

function header(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
