import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import next from 'next';
import { appendForwardedFor } from './lib/forwarded-for.js';
import { setRuntime } from './runtime-config.js';

/*
 * The dashboard role: the built Next.js app served by Next's programmatic server on a plain node
 * http server. Typed structurally rather than importing @wharf/*: the dashboard depends on the API
 * over HTTP only (test/src/architecture/layers.test.ts).
 */
export interface DashboardRoleConfig {
  dashboard: { addr: string; apiUrl: string };
  http: { drainTimeoutMs?: number };
}

export interface RoleLogger {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** apps/dashboard: where next.config.mjs and the .next build are. */
// next is CommonJS whose module.exports is the factory; NodeNext types see it under .default
const createNextServer = next as unknown as typeof next.default;

const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const DRAIN_MS = 10_000;

export async function start(config: DashboardRoleConfig, logger: RoleLogger): Promise<{ name: string; stop(): Promise<void> }> {
  if (!existsSync(join(APP_DIR, '.next', 'BUILD_ID'))) {
    throw new Error(`the dashboard is not built (no ${join(APP_DIR, '.next')}): run npm run build`);
  }
  setRuntime({ apiUrl: config.dashboard.apiUrl });
  const app = createNextServer({ dir: APP_DIR, dev: false, quiet: true });
  await app.prepare();
  const handle = app.getRequestHandler();

  const server = createServer((req, res) => {
    // This server is a hop between the browser and the API: the API's failed-login limit must see
    // the browser's address, not ours (Next only fills the header in when it is absent).
    const forwarded = appendForwardedFor(req.headers['x-forwarded-for'], req.socket.remoteAddress);
    if (forwarded !== undefined) req.headers['x-forwarded-for'] = forwarded;
    handle(req, res).catch((err: unknown) => {
      logger.error({ err, url: req.url }, 'dashboard request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('Internal error');
    });
  });
  const { host, port } = splitAddr(config.dashboard.addr);
  await listen(server, host, port);
  logger.info({ addr: config.dashboard.addr, apiUrl: config.dashboard.apiUrl }, 'wharf dashboard listening');

  return {
    name: 'dashboard',
    async stop() {
      // stop accepting, let requests in flight finish, then cut idle keep-alive sockets
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const drain = config.http.drainTimeoutMs ?? DRAIN_MS;
      const timer = setTimeout(() => server.closeAllConnections(), drain);
      await closed;
      clearTimeout(timer);
      await app.close();
    },
  };
}

function splitAddr(addr: string): { host: string; port: number } {
  const colon = addr.lastIndexOf(':');
  return { host: addr.slice(0, colon).replace(/^\[|\]$/g, '') || '0.0.0.0', port: Number(addr.slice(colon + 1)) };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
