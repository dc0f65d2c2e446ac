import type { EventContext } from '@wharf/registry-core';
import type { FastifyRequest } from 'fastify';

/**
 * The registry:2 `request` and `actor` records of an event caused through the API, built as the
 * registry builds them; `baseUrl` is the registry's (target URLs name registry resources).
 */
export function eventContext(req: FastifyRequest, baseUrl: string, actor?: string): EventContext {
  const socket = req.raw.socket;
  // The forwarded client when a trusted proxy (api.trustedproxies) named one, as the registry does.
  const forwarded = req.ip !== undefined && req.ip !== socket.remoteAddress;
  return {
    request: {
      id: String(req.id),
      addr: forwarded ? req.ip : `${socket.remoteAddress ?? ''}:${socket.remotePort ?? ''}`,
      host: req.headers.host ?? '',
      method: req.method,
      useragent: req.headers['user-agent'] ?? '',
    },
    actor: actor === undefined ? {} : { name: actor },
    baseUrl,
  };
}
