import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

/**
 * A plain Node request handler that answers with a prom-client registry's metrics; mount it at
 * `http.debug.prometheus.path` on the `http.debug.addr` server (it works with Fastify's raw
 * request and reply too). Only GET and HEAD are answered.
 */
export function createMetricsHandler(registry: Registry): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    registry.metrics().then(
      (body) => {
        res.writeHead(200, { 'content-type': registry.contentType, 'content-length': Buffer.byteLength(body) });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`metrics unavailable: ${err instanceof Error ? err.message : String(err)}\n`);
      },
    );
  };
}
