import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root: this file runs from test/dist/support/. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Go programs that scripts/install-deps.sh builds into .tools/bin. */
export type GoTool = 'conformance' | 'crane' | 'oras' | 'regctl' | 'helm' | 'kubeconform' | 'pebble';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Path of a Go tool; throws (never skips) when it has not been built. */
export function goTool(name: GoTool): string {
  const path = join(repoRoot, '.tools', 'bin', name);
  if (!isExecutable(path)) {
    throw new Error(`${name} is missing at ${path}: run scripts/install-deps.sh`);
  }
  return path;
}

/** Path of a system program (apt-installed); throws when it is not installed. */
export function systemTool(name: string): string {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  for (const dir of dirs) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  throw new Error(`${name} is not installed: run scripts/install-deps.sh`);
}

/**
 * kubeconform's -schema-location for the Kubernetes JSON schemas scripts/install-deps.sh unpacks
 * (strict flavour only); throws when they are missing.
 */
export function kubernetesSchemaLocation(): string {
  const dir = join(repoRoot, '.tools', 'k8s-schemas');
  if (!isExecutable(dir)) throw new Error(`the Kubernetes JSON schemas are missing at ${dir}: run scripts/install-deps.sh`);
  return `${dir}/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`;
}
