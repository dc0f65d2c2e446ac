import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { MediaTypes, ReferrersService, type Digest } from '@wharf/registry-core';
import { DigestPipe, RepositoryNamePipe } from '../http/registry-params.pipe.js';

/** The OCI 1.1 referrers API: an image index of the manifests whose subject is `digest`. */
@Controller('v2/:name/referrers')
export class ReferrersController {
  constructor(private readonly referrers: ReferrersService) {}

  @Get(':digest')
  async list(
    @Param('name', RepositoryNamePipe) name: string,
    @Param('digest', DigestPipe) subject: Digest,
    @Query('artifactType') artifactType: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const manifests = await this.referrers.list(name, subject, artifactType);
    if (artifactType !== undefined) reply.header('OCI-Filters-Applied', 'artifactType');
    reply
      .header('Content-Type', MediaTypes.OciIndex)
      .send(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.OciIndex, manifests })));
  }
}
