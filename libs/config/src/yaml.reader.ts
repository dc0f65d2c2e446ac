import { isMap, isScalar, isSeq, parseDocument, type Tags } from 'yaml';
import { ConfigError } from './config.error.js';
import { isRawMap, RawScalar, type RawValue } from './raw-value.js';

/**
 * Reads YAML the way registry:2's Go yaml.v2 does: YAML 1.1 scalars (yes/no/on/off booleans,
 * 0123 octal), merge keys and anchors. Duplicate keys are an error rather than "last one wins".
 *
 * Error messages give a line and column but never quote the offending line: it may hold a secret.
 */
export function readYaml(text: string, origin: string): RawValue {
  const doc = parseDocument(text, {
    version: '1.1',
    customTags: keepScalarSource,
    uniqueKeys: true,
    prettyErrors: false,
  });
  const error = doc.errors[0];
  if (error !== undefined) {
    const duplicate = error.code === 'DUPLICATE_KEY' ? firstDuplicateKey(text) : undefined;
    const { line, column } = lineAndColumn(text, duplicate?.offset ?? error.pos[0]);
    let reason = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '');
    if (duplicate !== undefined) reason += `: key "${duplicate.key}" repeated (first at line ${lineAndColumn(text, duplicate.firstOffset).line})`;
    throw new ConfigError(
      [{ path: origin, message: `YAML syntax error at line ${line}, column ${column}: ${reason}` }],
      origin,
    );
  }
  return fromJs(doc.toJS({ mapAsMap: true, maxAliasCount: 100 }));
}

/** Wraps every non-string scalar tag so the resolved value keeps its source text. */
function keepScalarSource(tags: Tags): Tags {
  return tags.map((tag) => {
    if (typeof tag === 'string' || tag.collection !== undefined) return tag;
    const resolve = tag.resolve.bind(tag);
    return {
      ...tag,
      resolve(source: string, onError: (message: string) => void, options: Parameters<typeof resolve>[2]) {
        const resolved = resolve(source, onError, options);
        const inner: unknown = isScalar(resolved) ? resolved.value : resolved;
        if (typeof inner === 'number' || typeof inner === 'boolean' || inner instanceof Date) {
          return new RawScalar(inner, source);
        }
        if (typeof inner === 'bigint') return new RawScalar(Number(inner), source);
        return resolved;
      },
    };
  });
}

function fromJs(value: unknown): RawValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || value instanceof RawScalar || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(fromJs);
  if (value instanceof Map) {
    // fromEntries defines own properties, so a "__proto__" key stays an ordinary key.
    return Object.fromEntries([...value].map(([key, item]) => [String(key), fromJs(item)]));
  }
  if (value instanceof Set) return [...value].map(fromJs);
  if (isRawMap(value)) return fromJs(new Map(Object.entries(value)));
  // Anything else (e.g. a number from a custom tag we did not wrap) keeps its text form.
  return String(value);
}

/**
 * The first key that a mapping holds twice, by its full path (`storage`, `http.debug.addr`), with
 * where it appears again and where first: the parser's own error points at neither reliably.
 */
function firstDuplicateKey(text: string): { key: string; offset: number; firstOffset: number } | undefined {
  const walk = (node: unknown, path: string[]): { key: string; offset: number; firstOffset: number } | undefined => {
    if (isSeq(node)) {
      for (const [index, item] of node.items.entries()) {
        const found = walk(item, [...path, String(index)]);
        if (found !== undefined) return found;
      }
    }
    if (!isMap(node)) return undefined;
    const seen = new Map<string, number>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const offset = isScalar(pair.key) ? (pair.key.range?.[0] ?? 0) : 0;
      const first = seen.get(key);
      if (first !== undefined) return { key: [...path, key].join('.'), offset, firstOffset: first };
      seen.set(key, offset);
      const found = walk(pair.value, [...path, key]);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return walk(parseDocument(text, { version: '1.1', uniqueKeys: false }).contents, []);
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
