import type { EventContext } from '@wharf/registry-core';
import type { FastifyRequest } from 'fastify';

/**
 * The registry:2 `request` and `actor` records of an event caused through the API, built as the
 * registry builds them; `baseUrl` is the registry's (target URLs name registry resources).
 */
export function eventContext(req: FastifyRequest, baseUrl: string, actor?: string): EventContext {
  const socket = req.raw.socket;
  return {
    request: {
      id: String(req.id),
      addr: `${socket.remoteAddress ?? ''}:${socket.remotePort ?? ''}`,
      host: req.headers.host ?? '',
      method: req.method,
      useragent: req.headers['user-agent'] ?? '',
    },
    actor: actor === undefined ? {} : { name: actor },
    baseUrl,
  };
}
