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
    const socket = req.raw.socket;
    const user = authenticatedUser(req.raw);
    return {
      request: {
        id: String(req.id),
        // registry:2 reports the peer as "ip:port".
        addr: `${socket.remoteAddress ?? ''}:${socket.remotePort ?? ''}`,
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
