import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { hostPort, listenHost, type WharfConfig } from '@wharf/config';
import type { Logger, RunningRole } from '@wharf/observability';
import { apiListenAddr, DEFAULT_API_ADDR, DEFAULT_API_TRUSTED_PROXIES } from './api.defaults.js';
import { ApiModule } from './api.module.js';

export { DEFAULT_API_ADDR };

/** Starts the REST API role: JSON under /api, the OpenAPI document at /api/openapi.json. */
export async function start(config: WharfConfig, logger: Logger): Promise<RunningRole> {
  const trusted = config.api?.trustedProxies ?? [...DEFAULT_API_TRUSTED_PROXIES];
  // req.ip (the failed-login limit, events) is the X-Forwarded-For client only from a trusted peer.
  const adapter = new FastifyAdapter({ trustProxy: trusted.length > 0 ? trusted : false });
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule.forRoot(config, logger), adapter, { logger: false });
  app.setGlobalPrefix('api');
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('Wharf API').setVersion('0.1.0').build());
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/openapi.json' });

  const { addr, openOnLoopback } = apiListenAddr(config);
  const { host, port } = hostPort(addr);
  await app.listen(port, listenHost(host));
  if (openOnLoopback) {
    logger.warn(
      { addr },
      'wharf api listening on loopback only: without a users file (auth.htpasswd.path or tokenserver.htpasswd) every caller is an admin; ' +
        'set api.addr to listen on other interfaces',
    );
  } else {
    logger.info({ addr }, 'wharf api listening');
  }
  return { name: 'api', stop: () => app.close() };
}
