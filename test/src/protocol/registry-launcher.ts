/**
 * Starts one registry process for a protocol test: Wharf (`node bin/wharf serve CONFIG`) or the
 * reference registry (`/usr/bin/docker-registry serve CONFIG`, CNCF distribution 2.8.2), each on a
 * fresh sandbox folder and a free 127.0.0.1 port, with the same registry:2 config file.
 *
 * Suites use the shared harness (`../support/registry-process.ts`) where it fits. This private
 * launcher remains only for the config keys that harness does not write yet: `storage.delete.enabled:
 * false` (bad-input: disabled deletes) and `http.secret` (resumable-upload: registry:2 can resume
 * an upload after a restart only with a fixed secret). Drop it once RegistryOptions carries them.
 *
 * Sandbox layout (the storage root sits two levels down so that an escape by `../` lands in
 * folders the tests can watch):
 *   <sandbox>/meta/config.yml, <sandbox>/meta/registry.log   written by the harness
 *   <sandbox>/jail/storage                                    the registry's rootdirectory
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { targetKind } from '../support/registry-process.js';

export type RegistryKind = 'wharf' | 'reference';

const REFERENCE_BINARY = '/usr/bin/docker-registry';
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const WHARF_BIN = join(REPO_ROOT, 'bin/wharf');

/**
 * The registry the assertions are about: the shared harness's choice (WHARF_E2E_TARGET, default
 * wharf), so one variable aims every suite. `reference` runs the suites against docker-registry to
 * validate the tests themselves; cases where it is known to depart from the spec become `todo`.
 */
export { targetKind };

export function referenceAvailable(): boolean {
  return existsSync(REFERENCE_BINARY);
}

export interface LaunchOptions {
  kind: RegistryKind;
  /** `storage.delete.enabled`; default true. */
  deleteEnabled?: boolean;
  /**
   * `http.secret`. registry:2 signs upload state into the Location URL with it; without a fixed
   * secret a restarted reference registry cannot resume an upload it started.
   */
  httpSecret?: string;
  readyTimeoutMs?: number;
}

const DEFAULT_READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

export class LaunchedRegistry {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    readonly kind: RegistryKind,
    readonly port: number,
    /** The mkdtemp folder holding everything this registry touches. */
    readonly sandbox: string,
    /** `storage.filesystem.rootdirectory`. */
    readonly root: string,
    readonly configPath: string,
    readonly logPath: string,
    private readonly readyTimeoutMs: number,
  ) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Folders an escaping write could reach and that must never change: everything but the storage root and meta/. */
  get watchedDir(): string {
    return join(this.sandbox, 'jail');
  }

  static async launch(options: LaunchOptions): Promise<LaunchedRegistry> {
    const sandbox = await mkdtemp(join(tmpdir(), `wharf-protocol-${options.kind}-`));
    const root = join(sandbox, 'jail', 'storage');
    await mkdir(root, { recursive: true });
    await mkdir(join(sandbox, 'meta'));
    const configPath = join(sandbox, 'meta', 'config.yml');
    const logPath = join(sandbox, 'meta', 'registry.log');
    const port = await freePort();
    await writeFile(configPath, renderConfig(root, port, options));
    const registry = new LaunchedRegistry(
      options.kind, port, sandbox, root, configPath, logPath, options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
    );
    liveSandboxes.add(sandbox);
    try {
      await registry.start();
    } catch (error) {
      await registry.dispose();
      throw error;
    }
    return registry;
  }

  /** Starts the process on the same config, port and storage and waits until `GET /v2/` is 200. */
  async start(): Promise<void> {
    if (this.child) throw new Error('registry already running');
    const [command, args] = this.kind === 'wharf'
      ? [process.execPath, [WHARF_BIN, 'serve', this.configPath]]
      : [REFERENCE_BINARY, ['serve', this.configPath]];
    if (this.kind === 'wharf' && !existsSync(WHARF_BIN)) {
      throw new Error(`${WHARF_BIN} does not exist: build Wharf first (npm run build)`);
    }
    const log = openSync(this.logPath, 'a');
    const child = spawn(command, args, {
      cwd: REPO_ROOT,
      env: cleanEnv(),
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.child = child;
    this.exited = new Promise((resolveExit) => child.once('exit', () => resolveExit()));
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    killOnExit.add(child);
    void this.exited.then(() => killOnExit.delete(child));
    await this.waitReady(child);
  }

  /** SIGTERM, then SIGKILL after a grace period. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM', STOP_GRACE_MS);
  }

  /** SIGKILL: no shutdown hook runs, as in a crash. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL', STOP_GRACE_MS);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Kills the process and removes the sandbox. Safe to call twice. */
  async dispose(): Promise<void> {
    await this.kill();
    if (process.env['WHARF_PROTOCOL_KEEP'] === '1') {
      process.stderr.write(`# kept ${this.kind} sandbox ${this.sandbox}\n`);
      return;
    }
    await rm(this.sandbox, { recursive: true, force: true });
    liveSandboxes.delete(this.sandbox);
  }

  logTail(lines = 30): string {
    try {
      return readFileSync(this.logPath, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  private async signal(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    this.child = undefined;
  }

  private async waitReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + this.readyTimeoutMs;
    let exitCode: number | null | undefined;
    child.once('exit', (code, sig) => {
      exitCode = code ?? (sig ? -1 : null);
    });
    let lastError = '';
    while (Date.now() < deadline) {
      if (exitCode !== undefined) {
        throw new Error(`${this.kind} exited (${exitCode}) before it was ready:\n${this.logTail()}`);
      }
      try {
        const response = await fetch(`${this.baseUrl}/v2/`, { signal: AbortSignal.timeout(1_000) });
        await response.arrayBuffer();
        if (response.status === 200) return;
        lastError = `GET /v2/ answered ${response.status}`;
      } catch (error) {
        lastError = String(error);
      }
      await sleep(100);
    }
    await this.kill();
    throw new Error(`${this.kind} not ready within ${this.readyTimeoutMs} ms (${lastError}):\n${this.logTail()}`);
  }
}

function renderConfig(root: string, port: number, options: LaunchOptions): string {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${root}`,
    '  delete:',
    `    enabled: ${options.deleteEnabled ?? true}`,
    'http:',
    `  addr: 127.0.0.1:${port}`,
  ];
  if (options.httpSecret) lines.push(`  secret: ${options.httpSecret}`);
  return `${lines.join('\n')}\n`;
}

/** The child must not pick up REGISTRY_* overrides (registry:2 env config) from the developer's shell. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('REGISTRY_')) env[key] = value;
  }
  return env;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

/** Children still running when the test process exits (a crashed test) are killed, never orphaned, and their sandboxes removed. */
const killOnExit = new Set<ChildProcess>();
const liveSandboxes = new Set<string>();
process.once('exit', () => {
  for (const child of killOnExit) child.kill('SIGKILL');
  if (process.env['WHARF_PROTOCOL_KEEP'] === '1') return;
  for (const sandbox of liveSandboxes) rmSync(sandbox, { recursive: true, force: true });
});

/**
 * Test options for an assertion the reference registry is known not to meet (it departs from the
 * spec or from Wharf's stricter contract): a `todo` when the suite runs against the reference, so
 * the test still runs and reports, a normal test against Wharf.
 */
export function referenceGap(note: string): { todo?: string } {
  return targetKind() === 'reference' ? { todo: `reference registry: ${note}` } : {};
}
