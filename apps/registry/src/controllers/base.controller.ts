import { Controller, Get, Head, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/** `GET /v2/` (and HEAD): the version check every client starts with. */
@Controller('v2')
export class BaseController {
  @Get()
  check(@Res() reply: FastifyReply): void {
    reply.header('Content-Type', 'application/json; charset=utf-8').send('{}');
  }

  // A second method decorator on `check` would replace the first (Nest keeps one method per handler).
  @Head()
  checkHead(@Res() reply: FastifyReply): void {
    reply.header('Content-Type', 'application/json; charset=utf-8').send('{}');
  }
}
