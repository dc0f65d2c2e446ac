import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { SearchError } from '@wharf/search';
import type { FastifyReply } from 'fastify';
import { EventNotFoundError } from './event-not-found.error.js';

/** The events feature's domain errors as JSON: unknown id 404, bad cursor 400, Elasticsearch away 503. */
@Catch(SearchError, EventNotFoundError)
export class EventsErrorFilter implements ExceptionFilter {
  catch(error: SearchError | EventNotFoundError, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const [status, label] =
      error instanceof EventNotFoundError
        ? [HttpStatus.NOT_FOUND, 'Not Found']
        : error.code === 'INVALID_CURSOR'
          ? [HttpStatus.BAD_REQUEST, 'Bad Request']
          : error.code === 'SEARCH_UNAVAILABLE'
            ? [HttpStatus.SERVICE_UNAVAILABLE, 'Service Unavailable']
            : [HttpStatus.INTERNAL_SERVER_ERROR, 'Internal Server Error'];
    void reply.status(status).send({ statusCode: status, error: label, message: error.message });
  }
}
