import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { RepositoryReads } from '@wharf/registry-core';
import { cacheNamespace } from '../http/cache-namespace.js';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Pushes, deletes and mounts into a cached repository answer 405 UNSUPPORTED, as registry:2's
 * proxy does: the upstream owns its content. Installed only when an upstream is configured.
 */
@Injectable()
export class CacheWriteGuard implements CanActivate {
  constructor(private readonly reads: RepositoryReads) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const name = (req.params as Record<string, string> | undefined)?.['name'];
    if (WRITES.has(req.method) && name !== undefined) this.reads.assertWritable(name, cacheNamespace(req));
    return true;
  }
}
