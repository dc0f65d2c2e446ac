import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, type RunOptions, type RunResult } from './exec.js';
import { repoRoot } from './tools.js';

const script = join(repoRoot, 'scripts', 'dockerd.sh');

/**
 * A Docker engine of the test's own (socket, data root, exec root, pidfile and its own containerd),
 * started through scripts/dockerd.sh with extra daemon flags, for tests that need a daemon setting
 * (`--registry-mirror`) the shared engine must not get.
 */
export class PrivateDockerd {
  private constructor(readonly dir: string) {}

  /** `daemonArgs` are dockerd flags; the daemon reads no /etc/docker/daemon.json of the machine's. */
  static async start(daemonArgs: string[]): Promise<PrivateDockerd> {
    // Short: the socket path must fit in a sockaddr_un (108 bytes).
    const engine = new PrivateDockerd(mkdtempSync('/tmp/wharf-dockerd-'));
    const config = join(engine.dir, 'daemon.json');
    writeFileSync(config, '{}\n');
    try {
      await engine.script('start', ['--config-file', config, ...daemonArgs]);
    } catch (err) {
      await engine.dispose();
      throw err;
    }
    return engine;
  }

  get host(): string {
    return `unix://${this.dir}/docker.sock`;
  }

  /** The containerd this engine runs for itself, for `ctr --address`. */
  get containerdAddress(): string {
    return join(this.dir, 'exec', 'containerd', 'containerd.sock');
  }

  docker(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    return run('/usr/bin/docker', args, { timeoutMs: 180_000, ...opts, env: { ...process.env, ...opts.env, DOCKER_HOST: this.host, DOCKER_CLI_HINTS: 'false' } });
  }

  ctr(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    return run('ctr', ['--address', this.containerdAddress, ...args], { timeoutMs: 180_000, ...opts });
  }

  async dispose(): Promise<void> {
    await this.script('stop', []).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private script(command: 'start' | 'stop', daemonArgs: string[]): Promise<RunResult> {
    return run('bash', [script, command], {
      timeoutMs: 120_000,
      env: { ...process.env, WHARF_DOCKER_DIR: this.dir, WHARF_DOCKERD_ARGS: daemonArgs.join(' ') },
    });
  }
}
