import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { EventContext } from '@wharf/registry-core';
import { authenticatedUser } from '../auth/request-identity.js';
import { UrlBuilder } from './url-builder.js';

/** Builds the registry:2 `request` and `actor` records of an event from the HTTP request. */
@Injectable()
export class EventContextFactory {
  constructor(private readonly urls: UrlBuilder) {}

  from(req: FastifyRequest): EventContext {
    const user = authenticatedUser(req.raw);
    return {
      request: {
        id: String(req.id),
        addr: clientAddr(req),
        host: req.host,
        method: req.method,
        useragent: req.headers['user-agent'] ?? '',
      },
      // As registry:2: the authenticated user, or an empty record without one.
      actor: user === undefined ? {} : { name: user },
      baseUrl: this.urls.absoluteBase(req),
    };
  }
}

/**
 * registry:2 reports the peer as "ip:port", or the X-Forwarded-For client (no port) when there is
 * one. Wharf names that client only when a trusted proxy sent it (req.ip, see http.trustedproxies).
 */
function clientAddr(req: FastifyRequest): string {
  const socket = req.raw.socket;
  if (req.ip !== undefined && req.ip !== socket.remoteAddress) return req.ip;
  return `${socket.remoteAddress ?? ''}:${socket.remotePort ?? ''}`;
}
