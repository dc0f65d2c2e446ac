import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * registry:2's `http.debug` listener, kept off the public port: Prometheus
 * metrics at `http.debug.prometheus.path`. (Go's pprof/expvar pages have no
 * counterpart here.)
 */
export async function startDebugServer(addr: string, metricsPath: string, metrics: Handler): Promise<Server> {
  const server = createServer((req, res) => {
    if ((req.url ?? '').split('?', 1)[0] === metricsPath) return metrics(req, res);
    res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
  });
  const colon = addr.lastIndexOf(':');
  const host = addr.slice(0, colon).replace(/^\[|\]$/g, '') || '0.0.0.0';
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(Number(addr.slice(colon + 1)), host, resolve));
  return server;
}
