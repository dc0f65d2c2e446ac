import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './exec.js';
import { repoRoot } from './tools.js';
import { freePort } from './free-port.js';

/** How to run a private instance of a service through its own script (`scripts/<name>.sh`). */
export interface ServiceScript {
  name: 'redis' | 'postgres' | 'elasticsearch' | 'versitygw' | 'azurite' | 'fake-gcs';
  /** The script's environment variables naming the instance's port and folder. */
  portVar: string;
  dirVar: string;
  timeoutMs: number;
}

export const REDIS: ServiceScript = { name: 'redis', portVar: 'WHARF_REDIS_PORT', dirVar: 'WHARF_REDIS_DIR', timeoutMs: 30_000 };
export const POSTGRES: ServiceScript = { name: 'postgres', portVar: 'WHARF_PG_PORT', dirVar: 'WHARF_PG_DIR', timeoutMs: 120_000 };
export const VERSITYGW: ServiceScript = { name: 'versitygw', portVar: 'WHARF_VERSITYGW_PORT', dirVar: 'WHARF_VERSITYGW_DIR', timeoutMs: 30_000 };
export const ELASTICSEARCH: ServiceScript = { name: 'elasticsearch', portVar: 'WHARF_ES_PORT', dirVar: 'WHARF_ES_DIR', timeoutMs: 240_000 };
/** Object-store emulators: a test that stops one mid-upload runs its own instance. */
export const AZURITE_SCRIPT: ServiceScript = { name: 'azurite', portVar: 'WHARF_AZURITE_PORT', dirVar: 'WHARF_AZURITE_DIR', timeoutMs: 30_000 };
export const FAKE_GCS_SCRIPT: ServiceScript = { name: 'fake-gcs', portVar: 'WHARF_GCS_PORT', dirVar: 'WHARF_GCS_DIR', timeoutMs: 30_000 };

/**
 * A service instance of the test's own (port and folder), for tests that stop and start it
 * without disturbing the shared instance other suites use.
 */
export class PrivateService {
  constructor(
    readonly port: number,
    readonly dir: string,
    private readonly script: ServiceScript,
    /** More of the script's variables (e.g. WHARF_ES_CLUSTER_PORTS for a node of a cluster, WHARF_VERSITYGW_REGION). */
    private readonly env: Readonly<Record<string, string>> = {},
  ) {}

  /** Starts a new instance on a free port in a fresh folder (as the subclass it is called on). */
  static async launch<T extends PrivateService>(
    this: new (port: number, dir: string, script: ServiceScript, env?: Record<string, string>) => T,
    script: ServiceScript,
    env: Record<string, string> = {},
  ): Promise<T> {
    const service = new this(await freePort(), mkdtempSync(join(tmpdir(), `wharf-${script.name}-`)), script, env);
    await service.start();
    return service;
  }

  start(): Promise<void> {
    return this.run('start');
  }

  stop(): Promise<void> {
    return this.run('stop');
  }

  async dispose(): Promise<void> {
    await this.stop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async run(command: 'start' | 'stop'): Promise<void> {
    await run('bash', [join(repoRoot, 'scripts', `${this.script.name}.sh`), command], {
      env: { ...process.env, ...this.env, [this.script.portVar]: String(this.port), [this.script.dirVar]: this.dir },
      timeoutMs: this.script.timeoutMs,
    });
  }
}
