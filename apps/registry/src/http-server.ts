import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Server as TlsServer } from 'node:tls';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { BlobDescriptorCache } from '@wharf/registry-core';
import { ManifestService, type RegistryEvents, type RegistryWriter, type StorageDriver } from '@wharf/registry-core';
import { hostPort, listenHost } from '@wharf/config';
import { requestIdFrom, type Logger } from '@wharf/observability';
import { FailedLoginLimiter } from '@wharf/auth';
import { createAuthenticator, createTokenEndpoint } from './auth/authenticator.factory.js';
import type { TokenEndpoint } from './auth/token-endpoint.js';
import { frameworkErrorHandler } from './http/bad-url.handler.js';
import { cleartextHttp2ServerFactory } from './http/h2c.server.js';
import { rewriteRegistryUrl } from './http/route-rewrite.js';
import { applyServerLimits, clientErrorHandler, cutIdleBodies, refuseOversizedHttp2Heads, serverLimitOptions } from './http/request-limits.js';
import { ACME_TLS_ALPN, AcmeCertificates } from './http/acme.certificates.js';
import { enforceClientAuth, offerAlpnProtocol, tlsContextOptions, tlsServerOptions } from './http/tls.options.js';
import { refuseWhileUnhealthy } from './health/health.gate.js';
import type { HealthStatus } from './health/health.monitor.js';
import { MirrorRuntime } from './proxy/mirror-runtime.js';
import { RegistryModule } from './registry.module.js';
import type { RegistrySettings } from './registry-settings.js';

export interface RunningRegistry {
  /** Where it listens: `http://host:port` or the unix socket path. */
  address: string;
  /** Stops accepting requests and waits up to http.draintimeout for those in flight. */
  close(): Promise<void>;
  /** The registry's own services, for roles hosted in the same process (their events go through this registry's sink). */
  writer: RegistryWriter;
}

/** Builds and starts the registry HTTP server. */
export async function startRegistry(
  settings: RegistrySettings,
  driver: StorageDriver,
  events: RegistryEvents,
  logger: Logger,
  extras: { mirror?: MirrorRuntime; health?: HealthStatus; blobCache?: BlobDescriptorCache } = {},
): Promise<RunningRegistry> {
  const mirror = extras.mirror ?? MirrorRuntime.NONE;
  const tls = settings.http.tls;
  const acme = tls?.letsEncrypt === undefined ? undefined : await AcmeCertificates.open(tls.letsEncrypt, tlsContextOptions(tls), logger);
  const adapter = new FastifyAdapter({
    ...transportOptions(settings.http, acme),
    rewriteUrl: (req: IncomingMessage) => rewriteRegistryUrl(req.url ?? '/', settings.http.prefix),
    genReqId: (req: IncomingMessage) => requestIdFrom(req.headers['x-request-id']),
    // Slow clients are bounded by limits.headertimeout and limits.bodyidletimeout, not by a
    // whole-request deadline: a long upload that keeps sending is never cut.
    requestTimeout: 0,
    connectionTimeout: 0,
    clientErrorHandler: clientErrorHandler(settings.http.maxHeaderBytes),
    frameworkErrors: frameworkErrorHandler,
    // Longer than the idle timeout of the load balancers registries sit behind.
    keepAliveTimeout: 75_000,
    exposeHeadRoutes: false,
    return503OnClosing: true,
    // req.ip (failed-login limit, access log, events) is the X-Forwarded-For client only when the
    // direct peer is a configured proxy; from anyone else the header is ignored.
    trustProxy: settings.http.trustedProxies.length > 0 ? settings.http.trustedProxies : false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 2048 },
  } as ConstructorParameters<typeof FastifyAdapter>[0]);
  // One limiter for every way of signing in (Basic on the API, the token endpoint).
  const limiter = new FailedLoginLimiter(
    settings.failedLogins === undefined ? {} : { maxFailures: settings.failedLogins.limit, windowMs: settings.failedLogins.windowMs },
  );
  const authenticator = await createAuthenticator(settings, limiter, logger);
  const tokenEndpoint = await createTokenEndpoint(settings, limiter, logger);
  const app = await NestFactory.create<NestFastifyApplication>(RegistryModule.forRoot(settings, driver, events, logger, authenticator, mirror, extras.blobCache), adapter, {
    logger: false,
    bodyParser: false,
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  if (extras.health !== undefined) refuseWhileUnhealthy(fastify, extras.health);
  configureFastify(fastify, settings, logger, tokenEndpoint);
  applyServerLimits(fastify.server as unknown as HttpServer, settings.http);
  if (settings.http.tls) enforceClientAuth(fastify.server as unknown as TlsServer, settings.http.tls);
  if (acme !== undefined) offerAlpnProtocol(fastify.server as unknown as TlsServer, ACME_TLS_ALPN);

  const { host, port, path } = listenTarget(settings.http);
  await (path !== undefined ? app.listen(path) : app.listen(port!, host!));
  const scheme = settings.http.tls ? 'https' : 'http';
  const address = path ?? `${scheme}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  logger.info({ address, storage: driver.name, prefix: settings.http.prefix, http2: settings.http.http2, h2c: settings.http.h2c }, 'wharf registry listening');

  return {
    address,
    writer: app.get(ManifestService),
    close: async () => {
      const drain = new Promise<void>((resolve) => setTimeout(resolve, settings.http.drainTimeoutMs).unref());
      await Promise.race([app.close(), drain]);
      authenticator?.close();
      tokenEndpoint?.close();
    },
  };
}

function configureFastify(fastify: FastifyInstance, settings: RegistrySettings, logger: Logger, tokenEndpoint: TokenEndpoint | null): void {
  // Every body reaches the handlers as the raw stream: blobs are piped to storage, never buffered.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  const fixedHeaders: Record<string, string | string[]> = { 'Docker-Distribution-Api-Version': 'registry/2.0', ...settings.http.headers };
  fastify.addHook('onRequest', (req, reply, done) => {
    reply.headers(fixedHeaders).header('X-Request-Id', req.id);
    done();
  });

  tokenEndpoint?.register(fastify);

  if (settings.log.accessLog) {
    // Read while the request is open: an HTTP/2 stream forgets its socket once it has ended.
    const peerAddress = new WeakMap<object, string | undefined>();
    fastify.addHook('onRequest', (req, _reply, done) => {
      peerAddress.set(req, req.ip ?? req.raw.socket?.remoteAddress);
      done();
    });
    // registry:2's per-request line and field names, so log pipelines built for it keep working.
    fastify.addHook('onResponse', (req, reply, done) => {
      logger.info(
        {
          'http.request.id': req.id,
          'http.request.method': req.method,
          'http.request.uri': req.originalUrl,
          'http.request.host': req.headers.host ?? req.headers[':authority'],
          'http.request.remoteaddr': peerAddress.get(req),
          'http.request.useragent': req.headers['user-agent'],
          'http.response.status': reply.statusCode,
          'http.response.contenttype': reply.getHeader('content-type'),
          'http.response.duration': `${Math.round(reply.elapsedTime * 1000) / 1000}ms`,
        },
        'response completed',
      );
      done();
    });
  }
  // After the hooks above, so refused requests still carry the fixed headers and reach the access log.
  refuseOversizedHttp2Heads(fastify, settings.http.maxHeaderBytes);
  cutIdleBodies(fastify, settings.http.bodyIdleTimeoutMs);
}

/**
 * Plain HTTP/1.1 (with h2c: and cleartext HTTP/2), HTTPS, or HTTPS with HTTP/2 offered by ALPN beside HTTP/1.1 (older clients
 * and curl --http1.1 keep working). Draining: idle HTTP/1.1 sockets are closed at shutdown;
 * HTTP/2 sessions get a GOAWAY and finish their streams.
 */
function transportOptions(http: RegistrySettings['http'], acme: AcmeCertificates | undefined): Record<string, unknown> {
  const limits = serverLimitOptions(http);
  if (!http.tls && http.h2c) return { serverFactory: cleartextHttp2ServerFactory(limits), forceCloseConnections: 'idle' };
  if (!http.tls) return { http: limits, forceCloseConnections: 'idle' };
  const https = { ...tlsServerOptions(http.tls, acme?.sniCallback), ...limits };
  if (!http.http2) return { https, forceCloseConnections: 'idle' };
  return { http2: true, https: { ...https, allowHTTP1: true }, forceCloseConnections: true };
}

function listenTarget(http: RegistrySettings['http']): { host?: string; port?: number; path?: string } {
  if (http.net === 'unix') return { path: http.addr };
  const { host, port } = hostPort(http.addr);
  return { host: listenHost(host), port };
}
