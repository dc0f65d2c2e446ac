import { isScalar, parseDocument, type Tags } from 'yaml';
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
    const { line, column } = lineAndColumn(text, error.pos[0]);
    const reason = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '');
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

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
