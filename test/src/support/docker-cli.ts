import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run, type RunOptions, type RunResult } from './exec.js';
import { repoRoot } from './tools.js';

const dockerdScript = join(repoRoot, 'scripts', 'dockerd.sh');
let dockerHost: string | undefined;

/**
 * Starts the private engine via scripts/dockerd.sh (a no-op when its socket already answers) and
 * returns its DOCKER_HOST, so a test file works on its own as well as under scripts/test.sh.
 */
export async function ensureDocker(): Promise<string> {
  if (dockerHost) return dockerHost;
  await run('bash', [dockerdScript, 'start'], { timeoutMs: 120_000 });
  const env = await run('bash', [dockerdScript, 'env']);
  const m = /DOCKER_HOST=(\S+)/.exec(env.stdout);
  if (!m?.[1]) throw new Error(`scripts/dockerd.sh env printed no DOCKER_HOST: ${env.stdout}`);
  dockerHost = m[1];
  return dockerHost;
}

/** The docker.io client matches the engine's API version; another client may be first on PATH. */
function dockerBinary(): string {
  return existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
}

/** Runs the docker CLI against the private engine; the classic builder works offline with FROM scratch. */
export async function docker(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const host = await ensureDocker();
  const env = { ...process.env, ...opts.env, DOCKER_HOST: host, DOCKER_BUILDKIT: '0', DOCKER_CLI_HINTS: 'false' };
  return run(dockerBinary(), args, { timeoutMs: 180_000, ...opts, env });
}

/** `docker push` and the manifest digest it reports. */
export async function dockerPush(ref: string): Promise<string> {
  const res = await docker(['push', ref]);
  const m = /digest: (sha256:[0-9a-f]{64})/.exec(res.stdout);
  if (!m?.[1]) throw new Error(`docker push ${ref} reported no digest:\n${res.stdout}`);
  return m[1];
}

/** Removes an image and every tag naming it, so a later pull really fetches it. Tolerates absence. */
export async function dockerRemoveImage(idOrRef: string): Promise<void> {
  const inspect = await docker(['image', 'inspect', '--format', '{{.Id}}', idOrRef], { allowFailure: true });
  if (inspect.code !== 0) return;
  await docker(['rmi', '-f', inspect.stdout.trim()], { allowFailure: true });
}

/** Output of running an image once, with no network. */
export async function dockerRunOutput(ref: string, extraArgs: readonly string[] = []): Promise<string> {
  const res = await docker(['run', '--rm', '--network', 'none', ...extraArgs, ref]);
  return res.stdout;
}
