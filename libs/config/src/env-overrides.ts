import type { ConfigIssue } from './config.error.js';
import { ConfigError } from './config.error.js';
import { cloneRaw, isRawMap, RawScalar, type RawMap, type RawValue } from './raw-value.js';
import type { KeyNode } from './schema-tree.js';
import { closestName } from './suggest.js';
import { readYaml } from './yaml.reader.js';

/*
 * REGISTRY_* environment overrides, applied as registry:2 applies them:
 *  - the name after REGISTRY_ is the upper-cased key path joined by "_" (REGISTRY_STORAGE_DELETE_ENABLED);
 *  - names are applied in lexical order, so REGISTRY_STORAGE is applied before REGISTRY_STORAGE_DELETE_ENABLED;
 *  - the value is YAML parsed into that key (REGISTRY_NOTIFICATIONS_ENDPOINTS='- name: a …' replaces the list);
 *  - a numeric segment indexes a list, and the index one past the end appends (…_ENDPOINTS_1_URL);
 *  - under free-form maps (http.headers, log.fields, storage driver parameters) the rest of the name,
 *    lower-cased, is the key.
 *
 * Deliberate differences from registry:2, all stricter or kinder, never silently different:
 *  - registry:2 logs and ignores a REGISTRY_* name that matches no key; Wharf refuses to start and
 *    names the variable (with a "did you mean"), because a mistyped override is otherwise invisible.
 *  - The exceptions are names that container platforms inject, which are not configuration:
 *    REGISTRY_CONFIGURATION_PATH (read by the loader), and Kubernetes service / Docker link
 *    variables such as REGISTRY_PORT=tcp://10.0.0.1:5000, REGISTRY_SERVICE_HOST, REGISTRY_PORT_5000_TCP_ADDR,
 *    which appear whenever a service named "registry" (or "registry-…") exists. registry:2 trips over
 *    some of these (distribution-library-image#138); Wharf skips them.
 *  - REGISTRY_STORAGE=inmemory selects the driver but keeps storage.delete, .maintenance, .cache,
 *    .redirect and .tag, and REGISTRY_AUTH=htpasswd keeps the file's htpasswd settings; registry:2
 *    replaces the whole section with the bare name.
 *  - A value that is not valid YAML (e.g. a secret starting with "*" or "[") is taken verbatim for
 *    string keys instead of failing.
 */

const PREFIX = 'REGISTRY_';
const NOT_CONFIGURATION = new Set(['REGISTRY_CONFIGURATION_PATH']);
const LINK_NAME = /_(?:SERVICE_HOST|SERVICE_PORT(?:_[A-Z0-9_]+)?|PORT_\d+_(?:TCP|UDP|SCTP)(?:_(?:ADDR|PORT|PROTO))?)$/;
const LINK_VALUE = /^(?:tcp|udp|sctp):\/\/[^\s/]+:\d+$/;

/** True for variables that container platforms inject and that are not registry configuration. */
export function isPlatformVariable(name: string, value: string): boolean {
  if (NOT_CONFIGURATION.has(name)) return true;
  if (LINK_NAME.test(name)) return true;
  return /_PORT$/.test(name) && LINK_VALUE.test(value);
}

export interface EnvOverrides {
  /** The tree with overrides applied (a copy; the input is not modified). */
  readonly raw: RawMap;
  /** Key path (joined with ".") → the variable that set it, to name it in validation errors. */
  readonly provenance: ReadonlyMap<string, string>;
}

export function applyEnvOverrides(
  base: RawMap,
  env: Readonly<Record<string, string | undefined>>,
  tree: KeyNode,
): EnvOverrides {
  const raw = cloneRaw(base);
  const provenance = new Map<string, string>();
  const issues: ConfigIssue[] = [];
  const names = Object.keys(env)
    .filter((name) => name.startsWith(PREFIX) && env[name] !== undefined)
    .sort();
  for (const name of names) {
    const value = env[name]!;
    if (isPlatformVariable(name, value)) continue;
    const problem = applyOne(raw, tree, name, value, provenance);
    if (problem !== undefined) issues.push({ path: name, message: problem });
  }
  if (issues.length > 0) throw new ConfigError(issues, 'environment');
  return { raw, provenance };
}

type Container = RawMap | RawValue[];

/** Applies one variable; returns a problem description, or undefined when applied. */
function applyOne(
  root: RawMap,
  tree: KeyNode,
  name: string,
  value: string,
  provenance: Map<string, string>,
): string | undefined {
  const segments = name.slice(PREFIX.length).split('_');
  if (segments.some((s) => s === '')) return 'not a configuration key path (empty segment between "_")';
  if (segments[0]!.toUpperCase() === 'VERSION') return 'the config version cannot be overridden from the environment';

  let node: KeyNode = tree;
  let container: Container = root;
  const path: (string | number)[] = [];
  for (let i = 0; i < segments.length; ) {
    const step = resolveStep(node, container, segments, i, path);
    if (typeof step === 'string') return step;
    const { key, child } = step;
    path.push(key);
    i += step.consumed;

    if (i === segments.length) {
      const parsed = parseValue(value, child);
      if (parsed === undefined) return 'the value is not valid YAML';
      setAt(container, key, selectOrSet(child, readAt(container, key), parsed));
      provenance.set(path.join('.'), name);
      return undefined;
    }
    // Descend, creating (or replacing a scalar with) the container the rest of the path needs.
    let next = readAt(container, key);
    if (isSelection(child, next)) {
      // `storage: inmemory` in the file, then REGISTRY_STORAGE_DELETE_ENABLED: keep the driver.
      setAt(container, key, (next = selectOrSet(child, undefined, next)));
    }
    if (child.kind === 'list') {
      if (!Array.isArray(next)) setAt(container, key, (next = []));
    } else if (!isRawMap(next)) {
      setAt(container, key, (next = {}));
    }
    container = next as Container;
    node = child;
  }
  return undefined;
}

interface Step {
  readonly key: string | number;
  readonly child: KeyNode;
  /** How many name segments this step used (more than one for a header name with "_"). */
  readonly consumed: number;
}

/** Matches the name segment(s) at `i` against one level of the key tree; a string is a problem. */
function resolveStep(
  node: KeyNode,
  container: Container,
  segments: readonly string[],
  i: number,
  path: readonly (string | number)[],
): Step | string {
  const segment = segments[i]!;
  switch (node.kind) {
    case 'object': {
      const known = node.names.get(segment.toUpperCase());
      if (known !== undefined) return { key: known, child: node.children.get(known)!, consumed: 1 };
      if (node.catchall !== undefined) return { key: segment.toLowerCase(), child: node.catchall, consumed: 1 };
      return unknownKey(path, segment, node, segments.slice(0, i));
    }
    case 'record': {
      if (node.value.kind !== 'leaf' && node.value.kind !== 'list') {
        return { key: existingKey(container, segment) ?? segment.toLowerCase(), child: node.value, consumed: 1 };
      }
      // A map of plain values (http.headers): the rest of the name is the key, unless it ends in
      // a list index (REGISTRY_HTTP_HEADERS_X-FOO_0).
      const rest = segments.slice(i);
      const indexed = node.value.kind === 'list' && rest.length >= 2 && /^\d+$/.test(rest.at(-1)!);
      const keyPart = (indexed ? rest.slice(0, -1) : rest).join('_');
      return {
        key: existingKey(container, keyPart) ?? keyPart.toLowerCase(),
        child: node.value,
        consumed: indexed ? rest.length - 1 : rest.length,
      };
    }
    case 'free':
      return { key: existingKey(container, segment) ?? segment.toLowerCase(), child: node, consumed: 1 };
    case 'list': {
      const list = container as RawValue[];
      if (!/^\d+$/.test(segment)) return `${describePath(path)} is a list; expected a numeric index, not "${segment}"`;
      const index = Number(segment);
      if (index > list.length) {
        const size = list.length;
        return `index ${index} is past the end of ${describePath(path)} (it has ${size} entries; use ${size} to append)`;
      }
      if (index === list.length) list.push(null);
      return { key: index, child: node.element, consumed: 1 };
    }
    case 'leaf':
      return `${describePath(path)} is a single value and has no key "${segment.toLowerCase()}"`;
  }
}

function parseValue(text: string, node: KeyNode): RawValue | undefined {
  let parsed: RawValue | undefined;
  try {
    parsed = readYaml(text, 'environment');
  } catch {
    parsed = undefined;
  }
  const isTextLeaf = node.kind === 'leaf' && node.text;
  if (isTextLeaf && (parsed === undefined || Array.isArray(parsed) || isRawMap(parsed))) return text;
  return parsed;
}

function isSelection(node: KeyNode, value: RawValue | undefined): value is string | RawScalar {
  const named = typeof value === 'string' || value instanceof RawScalar;
  return named && node.kind === 'object' && node.selector !== undefined;
}

/**
 * REGISTRY_STORAGE=inmemory and REGISTRY_AUTH=htpasswd name an entry rather than replace the
 * section: other entries go, the selector's `keep` keys (storage.delete, …) and the named entry's
 * own settings, if the file had them, stay.
 */
function selectOrSet(node: KeyNode, current: RawValue | undefined, value: RawValue): RawValue {
  if (!isSelection(node, value) || node.kind !== 'object') return value;
  const name = String(value);
  const keep = new Set([...(node.selector ?? []), name]);
  const kept = isRawMap(current) ? Object.fromEntries(Object.entries(current).filter(([key]) => keep.has(key))) : {};
  return { ...kept, [name]: kept[name] ?? {} };
}

function existingKey(container: Container, name: string): string | undefined {
  if (!isRawMap(container)) return undefined;
  return Object.keys(container).find((key) => key.toUpperCase() === name.toUpperCase());
}

function readAt(container: Container, key: string | number): RawValue | undefined {
  return Array.isArray(container) ? container[key as number] : container[key as string];
}

function setAt(container: Container, key: string | number, value: RawValue): void {
  if (Array.isArray(container)) container[key as number] = value;
  else Object.defineProperty(container, key, { value, enumerable: true, writable: true, configurable: true });
}

function unknownKey(
  path: readonly (string | number)[],
  segment: string,
  node: KeyNode & { kind: 'object' },
  before: readonly string[],
): string {
  const where = path.length === 0 ? 'the top level' : describePath(path);
  const guess = closestName(segment, node.names.keys());
  const hint = guess === undefined ? '' : `; did you mean ${[PREFIX.slice(0, -1), ...before, guess].join('_')}?`;
  return `no configuration key "${segment.toLowerCase()}" in ${where}${hint}`;
}

function describePath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
