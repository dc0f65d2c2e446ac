import type { z } from 'zod';
import type { ConfigIssue } from './config.error.js';
import { rawValueAt } from './raw-value.js';
import { nodeAt, type KeyNode } from './schema-tree.js';
import { KNOWN_UNSUPPORTED_DRIVERS, REMOVED_DRIVERS, SUPPORTED_DRIVERS } from './sections/storage.section.js';
import { AUTH_SCHEMES } from './sections/auth.section.js';
import { closestName } from './suggest.js';

/**
 * Turns zod issues into ConfigIssues a user can act on: the registry:2 key path, a plain-words
 * reason, and the REGISTRY_* variable when the value came from one. Never includes the value.
 */
export function toConfigIssues(
  issues: readonly z.core.$ZodIssue[],
  context: { raw: unknown; tree: KeyNode; provenance: ReadonlyMap<string, string> },
): ConfigIssue[] {
  const result: ConfigIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const node = nodeAt(context.tree, issue.path);
      const known = node?.kind === 'object' ? [...node.children.keys()] : [];
      for (const key of issue.keys) {
        const guess = closestName(key, known);
        const hint = guess === undefined ? '' : ` (did you mean "${guess}"?)`;
        result.push(locate([...issue.path, key], `unknown key${hint}`, context));
      }
      continue;
    }
    result.push(locate(issue.path, reason(issue, context.raw), context));
  }
  return result;
}

function reason(issue: z.core.$ZodIssue, raw: unknown): string {
  switch (issue.code) {
    case 'invalid_type': {
      const present = rawValueAt(raw, issue.path);
      if (present === undefined || present === null || present === '') return 'required';
      return issue.message.startsWith('Invalid input') ? `expected ${describeType(issue.expected)}` : issue.message;
    }
    case 'invalid_value':
      return `expected one of: ${issue.values.map(String).join(', ')}`;
    case 'too_small':
      return `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}`;
    case 'custom': {
      const kind = (issue.params as { kind?: string } | undefined)?.kind;
      const key = String(issue.path.at(-1));
      if (kind === 'storage-driver') return storageDriverReason(key);
      if (kind === 'auth-scheme') return `unknown auth scheme; supported: ${AUTH_SCHEMES.join(', ')}`;
      return issue.message;
    }
    case 'invalid_union':
      return 'invalid value';
    default:
      return issue.message;
  }
}

function storageDriverReason(driver: string): string {
  if (Object.hasOwn(REMOVED_DRIVERS, driver)) return REMOVED_DRIVERS[driver]!;
  const supported = `supported drivers: ${SUPPORTED_DRIVERS.join(', ')}`;
  return (KNOWN_UNSUPPORTED_DRIVERS as readonly string[]).includes(driver)
    ? `the ${driver} driver is not supported yet; ${supported}`
    : `unknown storage driver; ${supported}`;
}

function describeType(expected: string): string {
  switch (expected) {
    case 'string':
      return 'a string';
    case 'boolean':
      return 'a boolean (true or false)';
    case 'int':
      return 'an integer';
    case 'number':
      return 'a number';
    case 'array':
      return 'a list';
    case 'object':
    case 'record':
    case 'map':
      return 'a mapping';
    default:
      return expected;
  }
}

function locate(
  path: readonly PropertyKey[],
  message: string,
  context: { provenance: ReadonlyMap<string, string> },
): ConfigIssue {
  const keys = path.map((p) => (typeof p === 'number' ? p : String(p)));
  let envVar: string | undefined;
  for (let n = keys.length; n > 0 && envVar === undefined; n--) {
    envVar = context.provenance.get(keys.slice(0, n).join('.'));
  }
  const shown =
    keys.length === 0 ? 'config' : keys.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
  return envVar === undefined ? { path: shown, message } : { path: shown, message, envVar };
}
