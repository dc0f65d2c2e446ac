/*
 * The filter patterns of a subscription, compiled to RegExps once.
 *
 * - repository: a glob over the whole name. `*` matches within one path component, `**` across
 *   components, `?` one character; everything else is literal. `team/*` matches `team/api` but
 *   not `team/api/worker`; `team/**` matches both.
 * - actor: a glob over the whole actor name (`*` any run, `?` one character).
 * - tag: a glob over the whole tag (`v*`, `release-?`), or a JavaScript regular expression
 *   between slashes (`/^v\d+\.\d+\.\d+$/`), which — like any RegExp test — matches anywhere
 *   unless anchored. Regexes are for people who need them; the glob covers the usual cases.
 */

const MAX_PATTERN = 256;

export type PatternCheck = { ok: true; regex: RegExp } | { ok: false; message: string };

export function compileRepositoryGlob(pattern: string): PatternCheck {
  if (pattern === '' || pattern.length > MAX_PATTERN) return { ok: false, message: `must be 1 to ${MAX_PATTERN} characters` };
  if (!/^[a-z0-9._/*?-]+$/.test(pattern)) {
    return { ok: false, message: 'a repository glob may hold lower-case letters, digits, . _ - / and the wildcards * ** ?' };
  }
  if (/\*{3,}/.test(pattern)) return { ok: false, message: 'use * or **, not more stars' };
  return { ok: true, regex: globToRegex(pattern, true) };
}

export function compileActorGlob(pattern: string): PatternCheck {
  if (pattern === '' || pattern.length > MAX_PATTERN) return { ok: false, message: `must be 1 to ${MAX_PATTERN} characters` };
  return { ok: true, regex: globToRegex(pattern, false) };
}

export function compileTagPattern(pattern: string): PatternCheck {
  if (pattern === '' || pattern.length > MAX_PATTERN) return { ok: false, message: `must be 1 to ${MAX_PATTERN} characters` };
  if (pattern.length >= 2 && pattern.startsWith('/') && pattern.endsWith('/')) {
    try {
      return { ok: true, regex: new RegExp(pattern.slice(1, -1), 'u') };
    } catch (error) {
      return { ok: false, message: `invalid regular expression: ${(error as Error).message}` };
    }
  }
  if (!/^[A-Za-z0-9_.*?-]+$/.test(pattern)) {
    return { ok: false, message: 'a tag glob may hold letters, digits, _ . - and the wildcards * ?; write a regular expression as /…/' };
  }
  return { ok: true, regex: globToRegex(pattern, false) };
}

function globToRegex(pattern: string, pathAware: boolean): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') {
      if (pathAware && pattern[i + 1] === '*') {
        i++;
        // `**/` also matches no component at all: `team/**/api` covers `team/api`
        if (pattern[i + 1] === '/') {
          i++;
          source += '(?:.*/)?';
        } else {
          source += '.*';
        }
      } else {
        source += pathAware ? '[^/]*' : '.*';
      }
    } else if (ch === '?') {
      source += pathAware ? '[^/]' : '.';
    } else {
      source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 'su');
}
