import assert from 'node:assert/strict';
import { ConfigError } from './config.error.js';
import { parseConfig } from './config.loader.js';
import type { WharfConfig } from './config.types.js';

/** A minimal valid file; tests append the sections they exercise. */
export const MINIMAL = 'version: 0.1\nstorage:\n  inmemory:\n';

export function parse(yaml: string | undefined, env: Record<string, string> = {}): WharfConfig {
  return parseConfig(yaml, env);
}

/** Asserts parsing fails with a ConfigError whose message matches every pattern; returns it. */
export function rejects(yaml: string | undefined, env: Record<string, string>, ...patterns: RegExp[]): ConfigError {
  let caught: unknown;
  try {
    parseConfig(yaml, env);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  for (const pattern of patterns) assert.match(caught.message, pattern);
  return caught;
}
