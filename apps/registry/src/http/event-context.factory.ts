import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { EventContext } from '@wharf/registry-core';
import { UrlBuilder } from './url-builder.js';

/** Builds the registry:2 `request` and `actor` records of an event from the HTTP request. */
@Injectable()
export class EventContextFactory {
  constructor(private readonly urls: UrlBuilder) {}

  from(req: FastifyRequest): EventContext {
    const socket = req.raw.socket;
    return {
      request: {
        id: String(req.id),
        // registry:2 reports the peer as "ip:port".
        addr: `${socket.remoteAddress ?? ''}:${socket.remotePort ?? ''}`,
        host: req.host,
        method: req.method,
        useragent: req.headers['user-agent'] ?? '',
      },
      // Without authentication there is no actor; registry:2 then sends an empty record.
      actor: {},
      baseUrl: this.urls.absoluteBase(req),
    };
  }
}
