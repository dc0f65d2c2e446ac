import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { stringify } from 'yaml';
import { RssSampler, type TreeMemory } from './memory.js';

export type Side = 'reference' | 'wharf';

/** How to start one registry implementation from a registry:2-format config file. */
export interface ServerSpec {
  side: Side;
  /** What actually runs, for the report. */
  description: string;
  command: string;
  args(configPath: string): string[];
  cwd: string;
  config(rootDirectory: string, addr: string): unknown;
  /** Status of `GET /v2/` without credentials that means "ready"; default 200 (401 for a server with auth). */
  readyStatus?: number;
  /** The process environment; default: the bench's own. */
  env?: NodeJS.ProcessEnv;
  /** Removes what a session left outside its directory (its objects in a bucket). */
  cleanup?(rootDirectory: string): Promise<void>;
}

/** Logging both servers get, so that logging is not what we measure. */
const quietLog = { level: 'warn', accesslog: { disabled: true } };

/** CNCF distribution, configured as the registry:2 image ships it (in-memory blob descriptor cache). */
export function referenceSpec(cwd: string): ServerSpec {
  return {
    side: 'reference',
    description: 'docker-registry serve (CNCF distribution, /usr/bin/docker-registry)',
    command: 'docker-registry',
    args: (configPath) => ['serve', configPath],
    cwd,
    config: (rootDirectory, addr) => ({
      version: 0.1,
      log: quietLog,
      storage: { filesystem: { rootdirectory: rootDirectory }, delete: { enabled: true }, cache: { blobdescriptor: 'inmemory' } },
      http: { addr },
    }),
  };
}

/** Wharf through its CLI contract: `node bin/wharf serve CONFIG.yml` from the repository root. */
export function wharfSpec(repoRoot: string): ServerSpec {
  return {
    side: 'wharf',
    description: 'node bin/wharf serve',
    command: process.execPath,
    args: (configPath) => [join(repoRoot, 'bin', 'wharf'), 'serve', configPath],
    cwd: repoRoot,
    config: (rootDirectory, addr) => ({
      version: 0.1,
      log: quietLog,
      storage: { filesystem: { rootdirectory: rootDirectory }, delete: { enabled: true } },
      http: { addr },
    }),
  };
}

export class ServerStartError extends Error {
  override readonly name = 'ServerStartError';
}

const live = new Set<ChildProcess>();

/** For exit paths (a signal, an uncaught error): no server may outlive the bench. */
export function killAllServers(): void {
  for (const child of live) killGroup(child, 'SIGKILL');
}
process.once('exit', killAllServers);

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return; // never spawned; -undefined must not become a group id
  try {
    // The server was spawned detached, so it leads its own process group (wrappers, cluster workers).
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject()));
    });
  });
}

function tail(path: string, chars = 2000): string {
  try {
    return readFileSync(path, 'utf8').slice(-chars);
  } catch {
    return '';
  }
}

/** One server process on its own fresh directory, from spawn until it answers `GET /v2/` with 200. */
export class RunningServer {
  readonly memory: RssSampler;
  /** Milliseconds from spawn to the first 200 on `GET /v2/`. */
  readyMs = NaN;
  /** Why the process could not be spawned (ENOENT, EACCES), if so. */
  spawnError: Error | undefined;
  private exited = false;
  private readonly exit: Promise<void>;

  /** Attaches to `child` synchronously after spawn, so that even an instant exit is seen. */
  constructor(
    readonly spec: ServerSpec,
    readonly url: string,
    private readonly child: ChildProcess,
    readonly logPath: string,
  ) {
    this.exit = new Promise((resolve) => {
      const done = (): void => {
        this.exited = true;
        live.delete(child);
        resolve();
      };
      child.once('exit', done);
      child.once('error', (error) => {
        this.spawnError = error;
        if (child.pid === undefined) done();
      });
    });
    this.memory = new RssSampler(child.pid ?? 0);
    if (child.pid !== undefined) live.add(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The storage root this server was started on. */
  get dataDir(): string {
    return join(dirname(this.logPath), 'data');
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** Stops the process group; returns its memory as last seen (VmHWM summed over the tree). */
  async stop(): Promise<TreeMemory> {
    const memory = this.memory.stop();
    if (!this.exited) {
      killGroup(this.child, 'SIGTERM');
      const stopped = await Promise.race([this.exit.then(() => true), sleep(10_000).then(() => false)]);
      if (!stopped) {
        killGroup(this.child, 'SIGKILL');
        await this.exit;
      }
    }
    return memory;
  }

  logTail(): string {
    return tail(this.logPath);
  }
}

export async function startServer(spec: ServerSpec, sessionDir: string, timeoutMs = 60_000): Promise<RunningServer> {
  const dataDir = join(sessionDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const configPath = join(sessionDir, 'config.yml');
  writeFileSync(configPath, stringify(spec.config(dataDir, `127.0.0.1:${port}`)));
  const logPath = join(sessionDir, 'server.log');
  const logFd = openSync(logPath, 'a');
  const spawnedAt = performance.now();
  const child = spawn(spec.command, spec.args(configPath), {
    cwd: spec.cwd,
    detached: true,
    stdio: ['ignore', logFd, logFd],
    ...(spec.env ? { env: spec.env } : {}),
  });
  closeSync(logFd);
  const server = new RunningServer(spec, `http://127.0.0.1:${port}`, child, logPath);
  const probe = new Agent({ connections: 1, connect: { timeout: 1000 }, headersTimeout: 2000, bodyTimeout: 2000 });

  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  try {
    while (Date.now() < deadline) {
      await sleep(20);
      if (server.spawnError !== undefined) {
        throw new ServerStartError(`${spec.side}: cannot run ${spec.command}: ${server.spawnError.message}`);
      }
      if (!server.alive) {
        throw new ServerStartError(`${spec.side} exited during start-up; log:\n${server.logTail()}`);
      }
      try {
        const res = await request(`${server.url}/v2/`, { dispatcher: probe, reset: true });
        await res.body.dump();
        if (res.statusCode === (spec.readyStatus ?? 200)) {
          server.readyMs = performance.now() - spawnedAt;
          return server;
        }
        lastError = `GET /v2/ answered ${res.statusCode}`;
      } catch (error) {
        lastError = (error as Error).message;
      }
    }
    throw new ServerStartError(`${spec.side} not ready after ${timeoutMs} ms (${lastError}); log:\n${server.logTail()}`);
  } catch (error) {
    await server.stop();
    throw error;
  } finally {
    await probe.close();
  }
}
