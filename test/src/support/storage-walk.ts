import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

export interface StoredEntry {
  /** Path relative to the storage root, '/'-separated. */
  path: string;
  type: 'file' | 'symlink';
  size: number;
}

/** Every file and symlink under root (directories implied), sorted by path. */
export function walkStorage(root: string): StoredEntry[] {
  const entries: StoredEntry[] = [];
  const visit = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const st = lstatSync(full);
      const rel = relative(root, full).split(sep).join('/');
      if (st.isDirectory()) visit(full);
      else if (st.isSymbolicLink()) entries.push({ path: rel, type: 'symlink', size: 0 });
      else entries.push({ path: rel, type: 'file', size: st.size });
    }
  };
  visit(root);
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** sha256 of every regular file under root, keyed by relative path: a fingerprint of the stored content. */
export function hashStorage(root: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const e of walkStorage(root)) {
    if (e.type !== 'file') continue;
    sums.set(e.path, createHash('sha256').update(readFileSync(join(root, e.path))).digest('hex'));
  }
  return sums;
}

/**
 * Throws unless the registry kept to its storage root: no symlink points outside it, and the
 * sandbox folder that holds the root (created for that purpose by registry-process) holds nothing else.
 */
export function assertConfined(root: string): void {
  const absRoot = resolve(root);
  const problems: string[] = [];
  for (const e of walkStorage(absRoot)) {
    if (e.type !== 'symlink') continue;
    const link = join(absRoot, e.path);
    const target = readlinkSync(link);
    const abs = isAbsolute(target) ? target : resolve(dirname(link), target);
    if (abs !== absRoot && !abs.startsWith(absRoot + sep)) problems.push(`${e.path} -> ${target}`);
  }
  const sandbox = dirname(absRoot);
  const strays = readdirSync(sandbox).filter((n) => n !== basename(absRoot));
  problems.push(...strays.map((n) => `written beside the storage root: ${join(sandbox, n)}`));
  if (problems.length > 0) {
    throw new Error(`storage escaped ${absRoot}:\n  ${problems.join('\n  ')}`);
  }
}
