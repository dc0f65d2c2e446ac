import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { constants as h2, type Http2ServerRequest } from 'node:http2';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { RegistryError } from '@wharf/registry-core';
import type { RegistrySettings } from '../registry-settings.js';
import { OCI_ERROR_CONTENT_TYPE, ociErrorBody } from './oci-error-body.js';

type HttpSettings = RegistrySettings['http'];

/**
 * Node's HTTP/1.1 limits (head size → 431, time to receive the head), as server options. The
 * same values are set on the server object by `applyServerLimits`: an HTTP/2 server's HTTP/1.1
 * side ignores them as options and reads them from the object.
 */
export function serverLimitOptions(http: HttpSettings): Record<string, number> {
  return {
    maxHeaderSize: http.maxHeaderBytes,
    headersTimeout: http.headerTimeoutMs,
    // Node checks head timeouts on this period; a tenth of the limit keeps them within 10%.
    connectionsCheckingInterval: Math.min(Math.max(Math.round(http.headerTimeoutMs / 10), 100), 5_000),
    // Long uploads must not be cut by Node's default 300 s request timeout.
    requestTimeout: 0,
  };
}

/** Must run before listen: Node starts its timeout checks when the server starts listening. */
export function applyServerLimits(server: HttpServer, http: HttpSettings): void {
  Object.assign(server, serverLimitOptions(http));
}

/**
 * Fastify's answer to a request Node could not parse. An oversized head gets the 431 in the OCI
 * error format (the spec has no code for it; SIZE_INVALID is the nearest); a head that took too
 * long gets no answer, as from registry:2; anything else is a plain 400.
 */
export function clientErrorHandler(maxHeaderBytes: number) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    if (err.code === 'HPE_HEADER_OVERFLOW' && socket.writable) {
      const body = headTooLargeBody(maxHeaderBytes);
      socket.write(
        `HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: ${OCI_ERROR_CONTENT_TYPE}\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    } else if (err.code !== 'ERR_HTTP_REQUEST_TIMEOUT' && socket.writable) {
      socket.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    }
    socket.destroy();
  };
}

function headTooLargeBody(maxHeaderBytes: number): string {
  return ociErrorBody(new RegistryError('SIZE_INVALID', { limit: maxHeaderBytes }, { status: 431, message: 'request header fields too large' }));
}

/**
 * HTTP/2 carries no request head for Node's HTTP/1.1 limit to count, and nghttp2 does not enforce
 * the header-list size it advertises; the same limit is applied to the decoded header list here.
 */
export function refuseOversizedHttp2Heads(fastify: FastifyInstance, maxHeaderBytes: number): void {
  fastify.addHook('onRequest', (req, reply, done) => {
    if (req.raw.httpVersionMajor !== 2) return done();
    const raw = req.raw.rawHeaders;
    let size = 0;
    for (const part of raw) size += part.length + 2;
    if (size <= maxHeaderBytes) return done();
    void reply.status(431).header('Content-Type', OCI_ERROR_CONTENT_TYPE).send(headTooLargeBody(maxHeaderBytes));
  });
}

/**
 * Cuts a request whose body stops arriving for `idleMs` (slow-drip clients hold a connection and
 * a storage writer each). What arrived of an upload chunk stays stored, so the client can resume
 * from the offset a GET of the upload reports. The limit ends with the body: a slow storage
 * write or a slow download is not cut by it.
 */
export function cutIdleBodies(fastify: FastifyInstance, idleMs: number): void {
  if (idleMs <= 0) return;
  fastify.addHook('onRequest', (req, _reply, done) => {
    const raw = req.raw as IncomingMessage | Http2ServerRequest;
    if (hasBody(raw)) {
      const cut = (): void => {
        if ('stream' in raw) raw.stream.close(h2.NGHTTP2_CANCEL);
        else raw.socket.destroy();
      };
      raw.setTimeout(idleMs, cut);
      raw.once('end', () => raw.setTimeout(0));
    }
    done();
  });
}

function hasBody(raw: IncomingMessage | Http2ServerRequest): boolean {
  if ('stream' in raw) return !raw.stream.endAfterHeaders;
  const length = raw.headers['content-length'];
  return raw.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
