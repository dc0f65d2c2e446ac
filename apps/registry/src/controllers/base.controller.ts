import { Controller, Get, Head, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/** `GET /v2/`: the version check every client starts with. */
@Controller('v2')
export class BaseController {
  @Get()
  @Head()
  check(@Res() reply: FastifyReply): void {
    reply.header('Content-Type', 'application/json; charset=utf-8').send('{}');
  }
}
