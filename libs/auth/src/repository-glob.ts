/**
 * An access-rule repository pattern: `*` matches within one path component, `**` across
 * components (`public/**` matches `public/a` and `public/a/b`, `team/*` only `team/a`).
 */
export function repositoryGlob(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '*' && pattern[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (char === '*') {
      source += '[^/]*';
    } else {
      source += char.replace(/[.\\+?^${}()|[\]]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}
