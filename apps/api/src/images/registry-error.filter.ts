import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { RegistryError } from '@wharf/registry-core';
import type { FastifyReply } from 'fastify';

const LABELS: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 413: 'Payload Too Large', 503: 'Service Unavailable' };

/**
 * registry-core's errors in the API's JSON shape, keeping the OCI code and the registry's
 * status: unknown tag or manifest 404, bad tag or digest 400, deletes disabled or read-only 405.
 */
@Catch(RegistryError)
export class RegistryErrorFilter implements ExceptionFilter {
  catch(error: RegistryError, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    // a string detail says why (deletes disabled); structured details name what was not found
    const message = typeof error.detail === 'string' ? `${error.message} ${error.detail}` : error.message;
    void reply.status(error.status).send({
      statusCode: error.status,
      error: LABELS[error.status] ?? 'Error',
      code: error.code,
      message,
      ...(error.detail !== undefined && typeof error.detail !== 'string' ? { detail: error.detail } : {}),
    });
  }
}
