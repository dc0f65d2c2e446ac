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

/** A token signing key and its self-signed certificate, made with openssl as an operator would. */
export function tokenKeyPair(scratch: Scratch, name = 'token'): { key: string; certificate: string } {
  const key = scratch.path(`${name}.key`);
  const certificate = scratch.path(`${name}.crt`);
  execFileSync('openssl', ['req', '-x509', '-nodes', '-newkey', 'rsa:2048', '-keyout', key, '-out', certificate, '-days', '2', '-subj', `/CN=${name}`], {
    stdio: 'ignore',
  });
  return { key, certificate };
}

export const TOKEN_ISSUER = 'wharf-token-server';
export const TOKEN_SERVICE = 'wharf-test';

/**
 * Config sections for a registry that verifies tokens from Wharf's token server at `tokenHost`
 * (itself, when the same process serves the token server too).
 */
export function tokenAuthSections(tokenHost: string, pair: { certificate: string }): Record<string, unknown> {
  return {
    auth: { token: { realm: `http://${tokenHost}/auth/token`, service: TOKEN_SERVICE, issuer: TOKEN_ISSUER, rootcertbundle: pair.certificate } },
  };
}

export function tokenServerSection(pair: { key: string; certificate: string }, htpasswd: string): Record<string, unknown> {
  return { tokenserver: { issuer: TOKEN_ISSUER, key: pair.key, certificate: pair.certificate, htpasswd, expiration: '5m' } };
}

/** A token from the token server at `base`, as docker fetches one. */
export async function fetchToken(base: string, scopes: string[], credentials?: [string, string]): Promise<string> {
  const query = new URLSearchParams({ service: TOKEN_SERVICE });
  for (const scope of scopes) query.append('scope', scope);
  const res = await fetch(`${base}/auth/token?${query}`, { headers: credentials ? { Authorization: basic(...credentials) } : {} });
  if (res.status !== 200) throw new Error(`token server answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}
