import { Catch, HttpException, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InvalidPathError, RegistryError } from '@wharf/registry-core';
import type { Logger } from '@wharf/observability';
import { LOGGER } from '../registry.tokens.js';
import { OCI_ERROR_CONTENT_TYPE, ociErrorBody } from './oci-error-body.js';

/**
 * The one place errors become responses: every failure is rendered in the OCI
 * error format (`{"errors":[{code,message,detail}]}`) with the status from the
 * code table. Anything unexpected is logged and reported as UNKNOWN, never as a
 * stack trace.
 */
@Catch()
export class OciErrorFilter implements ExceptionFilter {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const req = http.getRequest<FastifyRequest>();
    if (reply.sent || reply.raw.headersSent) {
      // The body was already streaming (a client went away mid-download): nothing to tell it.
      reply.raw.destroy();
      return;
    }
    if (exception instanceof HttpException && exception.getStatus() === 404) {
      // No route: like registry:2, a plain 404 (an OCI code would claim something about a repository).
      reply.status(404).header('Content-Type', 'text/plain; charset=utf-8').send('404 page not found\n');
      return;
    }
    const error = this.toRegistryError(exception, req);
    reply.status(error.status).headers(error.headers).header('Content-Type', OCI_ERROR_CONTENT_TYPE);
    reply.send(ociErrorBody(error));
  }

  private toRegistryError(exception: unknown, req: FastifyRequest): RegistryError {
    if (exception instanceof RegistryError) return exception;
    if (exception instanceof InvalidPathError) return new RegistryError('NAME_INVALID', 'invalid path');
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === 405) return new RegistryError('UNSUPPORTED');
      return new RegistryError('UNKNOWN', exception.message, { status });
    }
    if (isClientAbort(exception)) {
      this.logger.debug({ reqId: req.id, err: exception }, 'client closed the request early');
      return new RegistryError('BLOB_UPLOAD_INVALID', 'request body ended early');
    }
    this.logger.error({ reqId: req.id, err: exception, method: req.method, url: req.url }, 'unhandled error');
    return new RegistryError('UNKNOWN');
  }
}

function isClientAbort(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNABORTED' || (err as Error)?.message === 'aborted';
}
