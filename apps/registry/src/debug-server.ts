import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { hostPort, listenHost } from '@wharf/config';
import type { HealthStatus } from './health/health.monitor.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * registry:2's `http.debug` listener, kept off the public port: `/debug/health` (registry:2's JSON,
 * check name → failure, 200 when empty and 503 otherwise) and, with http.debug.prometheus.enabled,
 * the Prometheus metrics. (Go's pprof and expvar pages have no counterpart here.)
 */
export async function startDebugServer(addr: string, health: HealthStatus, metrics?: { path: string; handler: Handler }): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?', 1)[0];
    if (path === '/debug/health' && req.method === 'GET') {
      const body = JSON.stringify(health.failures());
      res.writeHead(health.healthy() ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    if (metrics !== undefined && path === metrics.path) return metrics.handler(req, res);
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
  });
  const { host, port } = hostPort(addr);
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, listenHost(host), resolve));
  return server;
}
