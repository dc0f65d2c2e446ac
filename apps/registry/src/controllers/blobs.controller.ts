import { Controller, Delete, Get, Head, Param, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BlobService, RepositoryReads, type Digest } from '@wharf/registry-core';
import { cacheNamespace } from '../http/cache-namespace.js';
import { DigestPipe, RepositoryNamePipe } from '../http/registry-params.pipe.js';
import { EventContextFactory } from '../http/event-context.factory.js';
import { parseByteRange } from '../http/request-headers.js';

@Controller('v2/:name/blobs')
export class BlobsController {
  constructor(
    private readonly blobs: BlobService,
    private readonly reads: RepositoryReads,
    private readonly events: EventContextFactory,
  ) {}

  @Head(':digest')
  async head(
    @Param('name', RepositoryNamePipe) name: string,
    @Param('digest', DigestPipe) digest: Digest,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const redirect = await this.reads.redirectBlob(name, cacheNamespace(req), digest, 'HEAD', this.events.from(req));
    if (redirect) return sendRedirect(reply, digest, redirect.url);
    const info = await this.reads.headBlob(name, cacheNamespace(req), digest, this.events.from(req));
    reply.headers(blobHeaders(digest, info.size)).send();
  }

  @Get(':digest')
  async get(
    @Param('name', RepositoryNamePipe) name: string,
    @Param('digest', DigestPipe) digest: Digest,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const rangeHeader = req.headers.range;
    // Only whole-blob GETs are redirected: not every store answers every range form (Azure refuses
    // suffix ranges such as bytes=-500), and partial reads are few.
    if (rangeHeader === undefined) {
      const redirect = await this.reads.redirectBlob(name, cacheNamespace(req), digest, 'GET', this.events.from(req));
      if (redirect) return sendRedirect(reply, digest, redirect.url);
      const { info, stream } = await this.reads.openBlob(name, cacheNamespace(req), digest, undefined, this.events.from(req));
      reply.headers(blobHeaders(digest, info.size)).send(stream);
      return;
    }
    const size = await this.reads.blobSize(name, cacheNamespace(req), digest);
    const range = parseByteRange(rangeHeader, size);
    if (range === 'unsatisfiable' || range === undefined) {
      // Plain HTTP semantics: the spec defines no error body for a range past the end.
      reply.status(416).headers({ 'Content-Range': `bytes */${size}`, 'Content-Length': 0 }).send();
      return;
    }
    const { stream } = await this.reads.openBlob(name, cacheNamespace(req), digest, range, this.events.from(req));
    reply
      .status(206)
      .headers(blobHeaders(digest, range.end - range.start + 1))
      .header('Content-Range', `bytes ${range.start}-${range.end}/${size}`)
      .send(stream);
  }

  @Delete(':digest')
  async delete(
    @Param('name', RepositoryNamePipe) name: string,
    @Param('digest', DigestPipe) digest: Digest,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.blobs.delete(name, digest, this.events.from(req));
    reply.status(202).header('Docker-Content-Digest', digest.value).header('Content-Length', '0').send();
  }
}

function sendRedirect(reply: FastifyReply, digest: Digest, url: string): void {
  reply.status(307).headers({ Location: url, 'Docker-Content-Digest': digest.value, 'Content-Length': 0 }).send();
}

function blobHeaders(digest: Digest, length: number): Record<string, string | number> {
  return {
    'Content-Type': 'application/octet-stream',
    'Content-Length': length,
    'Docker-Content-Digest': digest.value,
    'Accept-Ranges': 'bytes',
    ETag: `"${digest.value}"`,
    'Cache-Control': 'max-age=31536000',
  };
}
