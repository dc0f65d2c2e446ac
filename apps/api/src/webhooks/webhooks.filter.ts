import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DeliveryNotFoundError, InvalidCursorError, InvalidWebhookError, WebhookNotFoundError, WebhooksUnavailableError } from './webhooks.errors.js';

type WebhooksError = WebhookNotFoundError | DeliveryNotFoundError | InvalidCursorError | InvalidWebhookError | WebhooksUnavailableError;

/** The webhooks feature's domain errors as JSON: unknown id 404, bad cursor or conflicting change 400, no database 503. */
@Catch(WebhookNotFoundError, DeliveryNotFoundError, InvalidCursorError, InvalidWebhookError, WebhooksUnavailableError)
export class WebhooksErrorFilter implements ExceptionFilter {
  catch(error: WebhooksError, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const [status, label] =
      error instanceof InvalidCursorError || error instanceof InvalidWebhookError
        ? [HttpStatus.BAD_REQUEST, 'Bad Request']
        : error instanceof WebhooksUnavailableError
          ? [HttpStatus.SERVICE_UNAVAILABLE, 'Service Unavailable']
          : [HttpStatus.NOT_FOUND, 'Not Found'];
    void reply.status(status).send({ statusCode: status, error: label, message: error.message });
  }
}
