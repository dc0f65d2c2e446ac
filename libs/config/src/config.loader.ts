import { readFileSync } from 'node:fs';
import { ConfigError } from './config.error.js';
import { configSchema } from './config.schema.js';
import type { WharfConfig } from './config.types.js';
import { applyEnvOverrides } from './env-overrides.js';
import { isRawMap, type RawMap } from './raw-value.js';
import { keyTree } from './schema-tree.js';
import { toConfigIssues } from './validation-issues.js';
import { readYaml } from './yaml.reader.js';

/** What `wharf serve` runs with when given no config file. */
const DEFAULT_DOCUMENT = `
version: 0.1
storage:
  filesystem:
    rootdirectory: ./data
http:
  addr: :5000
`;

export interface LoadConfigOptions {
  /** Path of a registry:2-style config.yml; without one, REGISTRY_CONFIGURATION_PATH, else the defaults. */
  file?: string;
  /** Environment to read REGISTRY_* overrides from; default process.env (the one place Wharf reads it). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Reads the config file (if any), applies REGISTRY_* overrides and validates, once, at start-up.
 * Throws ConfigError listing every problem.
 */
export function loadConfig(options: LoadConfigOptions = {}): WharfConfig {
  const env = options.env ?? process.env;
  // As registry:2: with no file argument, REGISTRY_CONFIGURATION_PATH names the file.
  const file = options.file ?? nonEmpty(env['REGISTRY_CONFIGURATION_PATH']);
  if (file === undefined) return parseConfig(undefined, env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError([{ path: file, message: `cannot read the config file (${code})` }], file);
  }
  return parseConfig(text, env, file);
}

/**
 * Pure: YAML text (undefined: the built-in defaults) plus environment → validated config.
 * `origin` only labels YAML syntax errors.
 */
export function parseConfig(
  yamlText: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  origin = 'config.yml',
): WharfConfig {
  const document = readYaml(yamlText ?? DEFAULT_DOCUMENT, yamlText === undefined ? 'defaults' : origin);
  if (document !== null && !isRawMap(document)) {
    const message = 'expected a mapping of configuration sections at the top level';
    throw new ConfigError([{ path: origin, message }], origin);
  }
  const tree = keyTree(configSchema);
  const base: RawMap = document ?? {};
  const { raw, provenance } = applyEnvOverrides(base, env, tree);
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(toConfigIssues(result.error.issues, { raw, tree, provenance }), origin);
  }
  return result.data;
}

/** The configuration `wharf serve` uses with no file: filesystem storage under ./data on :5000. */
export function defaultConfig(): WharfConfig {
  return parseConfig(undefined, {});
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
