import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker } from '../support/docker-cli.js';
import type { RunResult } from '../support/exec.js';

/** A temp folder removed by `cleanup`. */
export class Scratch {
  readonly dir = mkdtempSync(join(tmpdir(), 'wharf-auth-e2e-'));

  path(name: string): string {
    return join(this.dir, name);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Writes an htpasswd file with bcrypt entries made by Apache's own `htpasswd -B`. */
export function writeHtpasswd(path: string, users: Record<string, string>): void {
  const lines = Object.entries(users).map(([user, password]) => execFileSync('htpasswd', ['-Bbn', user, password], { encoding: 'utf8' }).trim());
  writeFileSync(path, `${lines.join('\n')}\n`);
}

/**
 * The docker CLI with its own credential store (DOCKER_CONFIG), so each simulated user's
 * `docker login` stays separate and nothing leaks into the machine's ~/.docker.
 */
export class DockerUser {
  readonly configDir = mkdtempSync(join(tmpdir(), 'wharf-docker-config-'));

  async run(args: string[], allowFailure = false): Promise<RunResult> {
    return docker(args, { env: { DOCKER_CONFIG: this.configDir }, allowFailure });
  }

  async login(host: string, user: string, password: string): Promise<RunResult> {
    return docker(['login', host, '--username', user, '--password-stdin'], {
      env: { DOCKER_CONFIG: this.configDir },
      input: password,
      allowFailure: true,
    });
  }

  cleanup(): void {
    rmSync(this.configDir, { recursive: true, force: true });
  }
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
