import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MediaTypes, ReferrersService, RepositoryReads, type Digest } from '@wharf/registry-core';
import { cacheNamespace } from '../http/cache-namespace.js';
import { DigestPipe, RepositoryNamePipe } from '../http/registry-params.pipe.js';

/** The OCI 1.1 referrers API: an image index of the manifests whose subject is `digest`. */
@Controller('v2/:name/referrers')
export class ReferrersController {
  constructor(
    private readonly referrers: ReferrersService,
    private readonly reads: RepositoryReads,
  ) {}

  @Get(':digest')
  async list(
    @Param('name', RepositoryNamePipe) name: string,
    @Param('digest', DigestPipe) subject: Digest,
    @Query('artifactType') artifactType: string | undefined,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const manifests = await this.referrers.list(await this.reads.storedName(name, cacheNamespace(req)), subject, artifactType);
    if (artifactType !== undefined) reply.header('OCI-Filters-Applied', 'artifactType');
    reply
      .header('Content-Type', MediaTypes.OciIndex)
      .send(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.OciIndex, manifests })));
  }
}
