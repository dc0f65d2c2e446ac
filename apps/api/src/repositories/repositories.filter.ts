import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CountersUnavailableError, InvalidCursorError, SortUnavailableError, UnknownRepositoryError } from './repositories.errors.js';

type RepositoriesError = UnknownRepositoryError | CountersUnavailableError | InvalidCursorError | SortUnavailableError;

/** Maps the repositories feature's domain errors to JSON answers: bad cursor or unavailable sort 400, unknown repository 404, no database 503. */
@Catch(UnknownRepositoryError, CountersUnavailableError, InvalidCursorError, SortUnavailableError)
export class RepositoriesErrorFilter implements ExceptionFilter {
  catch(error: RepositoriesError, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const unknown = error instanceof UnknownRepositoryError;
    const [status, label] =
      error instanceof InvalidCursorError || error instanceof SortUnavailableError
        ? [HttpStatus.BAD_REQUEST, 'Bad Request']
        : unknown
          ? [HttpStatus.NOT_FOUND, 'Not Found']
          : [HttpStatus.SERVICE_UNAVAILABLE, 'Service Unavailable'];
    void reply.status(status).send({
      statusCode: status,
      error: label,
      message: error.message,
      ...(unknown ? { repository: error.repository } : {}),
    });
  }
}
