import { STATUS_CODES } from 'node:http';
import { Catch, HttpException, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Logger } from '@wharf/observability';
import { RegistryError } from '@wharf/registry-core';
import { SearchError } from '@wharf/search';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LOGGER } from '../api.tokens.js';
import { ApiError } from './api-error.js';

/**
 * The API's one exception filter: every failure leaves as `{statusCode, error, code, message, …}`.
 * - ApiError: the status of its code (api-error.ts);
 * - RegistryError (storage reads, deletes): registry-core's OCI code and the registry's status;
 * - SearchError: its code, which is also an ApiError code;
 * - Nest's own HttpException (an unknown route, a body the parser refused): as Nest shapes it;
 * - anything else: a 500 that says nothing of the cause, which is logged.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const failure = this.toApiError(error, http.getRequest<FastifyRequest>());
    if (failure instanceof HttpException) {
      const body = failure.getResponse();
      void reply.status(failure.getStatus()).send(typeof body === 'string' ? { statusCode: failure.getStatus(), message: body } : body);
      return;
    }
    const { status, code } = failure;
    const [message, fields] = failure instanceof ApiError ? [failure.message, failure.fields] : [registryMessage(failure), registryFields(failure)];
    if (failure instanceof ApiError) void reply.headers(failure.headers);
    void reply.status(status).send({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', code, message, ...fields });
  }

  private toApiError(error: unknown, request: FastifyRequest): ApiError | RegistryError | HttpException {
    if (error instanceof ApiError || error instanceof RegistryError || error instanceof HttpException) return error;
    if (error instanceof SearchError && error.code !== 'INVALID_EVENT') return new ApiError(error.code, error.message);
    this.logger.error({ err: error, reqId: request.id, method: request.method, url: request.url }, 'api: request failed');
    return new ApiError('INTERNAL', 'internal error; the API log has the details');
  }
}

/** A string detail says why (deletes disabled); a structured one names what was not found. */
function registryMessage(error: RegistryError): string {
  return typeof error.detail === 'string' ? `${error.message} ${error.detail}` : error.message;
}

function registryFields(error: RegistryError): Record<string, unknown> {
  return error.detail !== undefined && typeof error.detail !== 'string' ? { detail: error.detail } : {};
}
