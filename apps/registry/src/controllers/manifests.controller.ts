import { Controller, Delete, Get, Head, Param, Put, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ManifestService, RepositoryReads, type ManifestReference, type StoredManifest } from '@wharf/registry-core';
import { cacheNamespace } from '../http/cache-namespace.js';
import { ManifestReferencePipe, RepositoryNamePipe } from '../http/registry-params.pipe.js';
import { readBounded } from '../http/request-body.js';
import { parseAccept } from '../http/request-headers.js';
import { EventContextFactory } from '../http/event-context.factory.js';
import { UrlBuilder } from '../http/url-builder.js';

@Controller('v2/:name/manifests')
export class ManifestsController {
  constructor(
    private readonly manifests: ManifestService,
    private readonly reads: RepositoryReads,
    private readonly urls: UrlBuilder,
    private readonly events: EventContextFactory,
  ) {}

  @Get(':reference')
  async get(
    @Param('name', RepositoryNamePipe) name: string,
    @Param('reference', ManifestReferencePipe) reference: ManifestReference,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const manifest = await this.reads.manifest(name, cacheNamespace(req), reference, parseAccept(req.headers.accept), this.events.from(req));
    if (notModified(req, manifest)) {
      reply.status(304).headers(manifestHeaders(manifest)).send();
      return;
    }
    reply.headers(manifestHeaders(manifest)).send(manifest.bytes);
  }

  @Head(':reference')
  async head(
    @Param('name', RepositoryNamePipe) name: string,
    @Param('reference', ManifestReferencePipe) reference: ManifestReference,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const manifest = await this.reads.manifest(name, cacheNamespace(req), reference, parseAccept(req.headers.accept), this.events.from(req));
    reply.headers(manifestHeaders(manifest)).send();
  }

  @Put(':reference')
  async put(
    @Param('name', RepositoryNamePipe) name: string,
    @Param('reference', ManifestReferencePipe) reference: ManifestReference,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const bytes = await readBounded(req, this.manifests.maxBytes);
    const result = await this.manifests.put(name, reference, bytes, req.headers['content-type'], tagParams(req), this.events.from(req));
    reply.status(201).headers({
      Location: this.urls.manifest(req, name, result.digest.value),
      'Docker-Content-Digest': result.digest.value,
      'Content-Length': '0',
    });
    if (result.parsed.subject) reply.header('OCI-Subject', result.parsed.subject.digest);
    // OCI 1.1: a push by digest with ?tag= tells the client which tags were applied.
    if (reference.kind === 'digest' && result.tags.length > 0) reply.header('OCI-Tag', result.tags.map((t) => t.tag).join(', '));
    reply.send();
  }

  @Delete(':reference')
  async delete(
    @Param('name', RepositoryNamePipe) name: string,
    @Param('reference', ManifestReferencePipe) reference: ManifestReference,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.manifests.delete(name, reference, this.events.from(req));
    reply.status(202).header('Content-Length', '0').send();
  }
}

function manifestHeaders(manifest: StoredManifest): Record<string, string | number> {
  return {
    'Content-Type': manifest.mediaType,
    'Content-Length': manifest.bytes.length,
    'Docker-Content-Digest': manifest.digest.value,
    ETag: `"${manifest.digest.value}"`,
  };
}

function notModified(req: FastifyRequest, manifest: StoredManifest): boolean {
  const header = req.headers['if-none-match'];
  return header !== undefined && header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === `"${manifest.digest.value}"`);
}

/** OCI 1.1 `?tag=` parameters on a push by digest: more tags for the same manifest. */
function tagParams(req: FastifyRequest): string[] {
  const tag = (req.query as Record<string, string | string[] | undefined>).tag;
  if (tag === undefined) return [];
  return Array.isArray(tag) ? tag : [tag];
}
