import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { QueuesUnavailableError, UnknownQueueError } from './queues.errors.js';

/** Maps the queues feature's domain errors to JSON answers: unknown queue 404, no Redis 503. */
@Catch(UnknownQueueError, QueuesUnavailableError)
export class QueuesErrorFilter implements ExceptionFilter {
  catch(error: UnknownQueueError | QueuesUnavailableError, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const status = error instanceof UnknownQueueError ? HttpStatus.NOT_FOUND : HttpStatus.SERVICE_UNAVAILABLE;
    void reply.status(status).send({
      statusCode: status,
      error: error instanceof UnknownQueueError ? 'Not Found' : 'Service Unavailable',
      message: error.message,
      ...(error instanceof UnknownQueueError ? { queues: error.known } : {}),
    });
  }
}
