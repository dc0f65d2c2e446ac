import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { hostPort, listenHost, type WharfConfig } from '@wharf/config';
import type { Logger, RunningRole } from '@wharf/observability';
import type { RegistryWriter } from '@wharf/registry-core';
import { apiListenAddr, DEFAULT_API_TRUSTED_PROXIES } from './api.defaults.js';
import { ApiModule } from './api.module.js';
import { remoteRegistryWriter } from './images/registry-writer.factory.js';
import { describeApi } from './openapi.document.js';

export { openApiDocument } from './openapi.document.js';

/** What the process already hosts: the registry role's writer, when it runs here too. */
export interface HostedRoles {
  registry?: RegistryWriter;
}

/**
 * Starts the REST API role: JSON under /api, the OpenAPI document at /api/openapi.json. Its
 * writes go to the registry hosted in this process when there is one, else to the registry's /v2.
 */
export async function start(config: WharfConfig, logger: Logger, hosted: HostedRoles = {}): Promise<RunningRole> {
  const registry = hosted.registry ?? (await remoteRegistryWriter(config));
  const trusted = config.api?.trustedProxies ?? [...DEFAULT_API_TRUSTED_PROXIES];
  // req.ip (the failed-login limit, events) is the X-Forwarded-For client only from a trusted peer.
  const adapter = new FastifyAdapter({ trustProxy: trusted.length > 0 ? trusted : false });
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule.forRoot(config, logger, registry), adapter, { logger: false });
  app.setGlobalPrefix('api');
  app.enableShutdownHooks();
  SwaggerModule.setup('api/docs', app, describeApi(app), { jsonDocumentUrl: 'api/openapi.json' });

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
