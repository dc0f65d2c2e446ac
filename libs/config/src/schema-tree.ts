import type { z } from 'zod';
import { envHints, type EnvHint } from './env-hints.js';

/** The shape of the configuration keys, derived from the zod schema, for env overrides and hints. */
export type KeyNode =
  | {
      readonly kind: 'object';
      /** Upper-case name (key or alias) → canonical key. */
      readonly names: ReadonlyMap<string, string>;
      readonly children: ReadonlyMap<string, KeyNode>;
      /** Schema for keys not in `children` (e.g. unsupported storage drivers), if any are accepted. */
      readonly catchall?: KeyNode;
      readonly selector?: readonly string[];
    }
  | { readonly kind: 'record'; readonly value: KeyNode }
  | { readonly kind: 'list'; readonly element: KeyNode }
  /** Free-form data (log.fields values, rejected sections): any nested keys, lower-cased. */
  | { readonly kind: 'free' }
  | { readonly kind: 'leaf'; readonly text: boolean };

// Only the fields of zod's internal definitions that describe shape.
interface Def {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly out?: z.ZodType;
  readonly shape?: Record<string, z.ZodType>;
  readonly catchall?: z.ZodType;
  readonly valueType?: z.ZodType;
  readonly element?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly getter?: () => z.ZodType;
}

const cache = new WeakMap<z.ZodType, KeyNode>();

export function keyTree(schema: z.ZodType): KeyNode {
  let node = cache.get(schema);
  if (node === undefined) {
    node = describe(schema, {});
    cache.set(schema, node);
  }
  return node;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

function describe(schema: z.ZodType, inherited: EnvHint): KeyNode {
  const hint = { ...inherited, ...envHints.get(schema) };
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return describe(def.innerType!, hint);
    case 'pipe':
      // z.preprocess(fn, s) is pipe(transform, s); s.transform(fn) is pipe(s, transform).
      return defOf(def.in!).type === 'transform' ? describe(def.out!, hint) : describe(def.in!, hint);
    case 'lazy':
      return describe(def.getter!(), hint);
    case 'union': {
      const structured = def.options!.find((option) => describe(option, {}).kind !== 'leaf');
      return describe(structured ?? def.options![0]!, hint);
    }
    case 'object': {
      const names = new Map<string, string>();
      const children = new Map<string, KeyNode>();
      for (const [key, child] of Object.entries(def.shape!)) {
        names.set(key.toUpperCase(), key);
        children.set(key, describe(child, {}));
      }
      for (const [alias, key] of Object.entries(hint.aliases ?? {})) names.set(alias.toUpperCase(), key);
      const catchall =
        def.catchall !== undefined && defOf(def.catchall).type !== 'never' ? describe(def.catchall, {}) : undefined;
      return {
        kind: 'object',
        names,
        children,
        ...(catchall === undefined ? {} : { catchall }),
        ...(hint.selector === undefined ? {} : { selector: hint.selector.keep }),
      };
    }
    case 'record':
      return { kind: 'record', value: describe(def.valueType!, {}) };
    case 'array':
      return { kind: 'list', element: describe(def.element!, {}) };
    case 'unknown':
    case 'any':
      return { kind: 'free' };
    default:
      return { kind: 'leaf', text: def.type === 'string' };
  }
}

/** The node for a validation path, for "did you mean" hints on unknown keys. */
export function nodeAt(root: KeyNode, path: readonly PropertyKey[]): KeyNode | undefined {
  let node: KeyNode | undefined = root;
  for (const key of path) {
    if (node === undefined) return undefined;
    switch (node.kind) {
      case 'object':
        node = typeof key === 'string' ? (node.children.get(key) ?? node.catchall) : undefined;
        break;
      case 'record':
        node = node.value;
        break;
      case 'list':
        node = node.element;
        break;
      default:
        return undefined;
    }
  }
  return node;
}
