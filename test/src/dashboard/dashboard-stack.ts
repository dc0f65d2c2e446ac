import { randomBytes } from 'node:crypto';
import { run } from '../support/exec.js';
import { freePort } from '../support/free-port.js';
import { RegistryProcess } from '../support/registry-process.js';
import { repoRoot } from '../support/tools.js';

const SHARED_REDIS = '127.0.0.1:6390';
const SHARED_ES = 'http://127.0.0.1:9209';
const STACK_API_SECRET = 'dashboard-stack-api-secret-0123456789abcdef';
const SHARED_PG = 'postgres://wharf:wharf@127.0.0.1:5439/wharf_test';

/**
 * The whole product in one `wharf serve --roles registry,indexer,counter,deployer,api,dashboard`
 * on the shared Redis, PostgreSQL and Elasticsearch, with an index prefix and schema of its own.
 */
export class DashboardStack {
  private constructor(
    readonly process: RegistryProcess,
    /** Base of the API, ending in /api. */
    readonly api: string,
    /** Base of the dashboard, no trailing slash. */
    readonly dashboard: string,
    readonly runId: string,
  ) {}

  /** `config`: more top-level sections (auth, access); `apiSecret`: api.secret, which signs sign-in sessions. */
  static async start(options: { config?: Record<string, unknown>; apiSecret?: string } = {}): Promise<DashboardStack> {
    for (const service of ['redis', 'postgres', 'elasticsearch']) {
      await run('bash', [`${repoRoot}scripts/${service}.sh`, 'start'], { timeoutMs: 240_000 });
    }
    const runId = randomBytes(4).toString('hex');
    const [apiPort, dashboardPort] = [await freePort(), await freePort()];
    const dashboard = `http://127.0.0.1:${dashboardPort}`;
    const process = await RegistryProcess.start({
      roles: ['registry', 'indexer', 'counter', 'deployer', 'api', 'dashboard'],
      readyTimeoutMs: 90_000,
      // public even when sign-in is required, unlike /v2/ on a registry with auth
      readyUrl: `http://127.0.0.1:${apiPort}/api/openapi.json`,
      extraConfig: {
        redis: { addr: SHARED_REDIS },
        elasticsearch: { urls: [SHARED_ES], indexprefix: `dash-${runId}` },
        database: { url: SHARED_PG, schema: `dash_${runId}` },
        // the deployer rereads subscriptions every 2 s by default; quicker here so a new webhook fires at once;
        // the test receivers listen on loopback, which webhooks may reach only with allowprivate
        webhooks: { subscriptioncache: '200ms', allowprivate: true },
        // api.secret also keys the encryption of webhook secrets, which cannot be stored without one
        api: { addr: `127.0.0.1:${apiPort}`, secret: options.apiSecret ?? STACK_API_SECRET },
        dashboard: { addr: `127.0.0.1:${dashboardPort}` },
        ...options.config,
      },
    });
    const stack = new DashboardStack(process, `http://127.0.0.1:${apiPort}/api`, dashboard, runId);
    await stack.waitUntil(async () => (await fetch(dashboard).catch(() => undefined))?.ok === true, 60_000, 'dashboard not up');
    return stack;
  }

  /**
   * `wharf serve --roles registry,api,dashboard` on filesystem storage with no database, Redis or
   * Elasticsearch section: the small install that browses storage without counters.
   */
  static async startWithoutDatabase(): Promise<DashboardStack> {
    const runId = randomBytes(4).toString('hex');
    const [apiPort, dashboardPort] = [await freePort(), await freePort()];
    const dashboard = `http://127.0.0.1:${dashboardPort}`;
    const process = await RegistryProcess.start({
      roles: ['registry', 'api', 'dashboard'],
      readyTimeoutMs: 90_000,
      readyUrl: `http://127.0.0.1:${apiPort}/api/openapi.json`,
      extraConfig: { api: { addr: `127.0.0.1:${apiPort}` }, dashboard: { addr: `127.0.0.1:${dashboardPort}` } },
    });
    const stack = new DashboardStack(process, `http://127.0.0.1:${apiPort}/api`, dashboard, runId);
    await stack.waitUntil(async () => (await fetch(dashboard).catch(() => undefined))?.ok === true, 60_000, 'dashboard not up');
    return stack;
  }

  /** host:port of the registry, as docker wants it. */
  get registryHost(): string {
    return this.process.host;
  }

  async apiJson<T>(path: string, init?: RequestInit): Promise<T> {
    const response = await fetch(`${this.api}${path}`, init);
    const text = await response.text();
    if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: ${response.status} ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** Polls until `check` holds; fails with the stack's logs otherwise. */
  async waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await Promise.resolve().then(check).catch(() => false)) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`timed out after ${timeoutMs} ms: ${what}\n${this.process.logs.slice(-4_000)}`);
  }

  async dispose(): Promise<void> {
    await this.process.dispose();
  }
}
