import type { FastifyRequest } from 'fastify';

/** containerd's `?ns=<registry host>` on requests to a mirror: which upstream the name belongs to. */
export function cacheNamespace(req: FastifyRequest): string | undefined {
  const ns = (req.query as Record<string, unknown> | undefined)?.['ns'];
  const value = Array.isArray(ns) ? ns[0] : ns;
  return typeof value === 'string' && value !== '' ? value : undefined;
}
