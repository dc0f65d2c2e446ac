/**
 * Structural checks JSON.parse does not make, run over a manifest's text before it is parsed:
 * no object holds the same key twice, and nesting stays shallow. Duplicate keys let two parsers
 * read two different manifests from the same bytes (JavaScript and Go keep the last, others the
 * first), so what the registry checked may not be what a client or garbage collector sees; deep
 * nesting makes stored manifests that Go clients refuse (encoding/json stops at 10 000 levels).
 * Returns the problem, or undefined when there is none. Assumes nothing about validity: a text
 * that is not JSON at all is left to JSON.parse to report.
 */
export function jsonStructureProblem(text: string, maxDepth: number): string | undefined {
  const keys: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      let escaped = false;
      for (; j < text.length; j++) {
        const d = text.charCodeAt(j);
        if (escaped) escaped = false;
        else if (d === 0x5c /* \ */) escaped = true;
        else if (d === 0x22) break;
      }
      const top = keys[keys.length - 1];
      if (expectKey && top) {
        let key: string;
        try {
          key = JSON.parse(text.slice(i, j + 1)) as string;
        } catch {
          return undefined;
        }
        if (top.has(key)) return `duplicate key ${JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key)}`;
        top.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      keys.push(c === 0x7b ? new Set() : null);
      if (keys.length > maxDepth) return `nested deeper than ${maxDepth} levels`;
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      keys.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = keys[keys.length - 1] instanceof Set;
    }
  }
  return undefined;
}
