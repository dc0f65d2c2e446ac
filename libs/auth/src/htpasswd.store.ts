import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import bcrypt from 'bcryptjs';
import { VerifiedCredentialsCache } from './verified-credentials.cache.js';

export interface HtpasswdStoreOptions {
  /** How long a successful check is remembered; default 30 s, 0 disables the cache. */
  cacheTtlMs?: number;
  /** Default 10 000 remembered checks. */
  cacheMaxEntries?: number;
}

interface Snapshot {
  /** Identifies the file's content: entries are cached per version. */
  version: string;
  /** stat fields compared on every check to notice an edit without a restart. */
  statKey: string;
  hashes: Map<string, string>;
  /** Users whose entry is not bcrypt (htpasswd -B); they cannot sign in, as with registry:2. */
  skipped: string[];
}

// bcrypt of a random string, compared when the user is unknown so timing does not reveal which users exist.
const DUMMY_HASH = '$2y$05$KBnkM2PEbUiCnMUAfK1Q7uTCEhF/D3dbc.35YwgsUzpWCIQ2jlxeO';
const BCRYPT_PREFIX = /^\$2[aby]\$\d\d\$/;

/**
 * Users and bcrypt hashes from an Apache htpasswd file (`htpasswd -B`), re-read when the file
 * changes: every check compares the file's stat with the one loaded.
 */
export class HtpasswdStore {
  private reloading: Promise<Snapshot> | undefined;
  private closed = false;

  private constructor(
    readonly path: string,
    private snapshot: Snapshot,
    private readonly cache: VerifiedCredentialsCache,
  ) {}

  /** Reads the file once; a missing or unreadable file is an error here, at start-up. */
  static async open(path: string, options: HtpasswdStoreOptions = {}): Promise<HtpasswdStore> {
    const snapshot = await load(path);
    return new HtpasswdStore(path, snapshot, new VerifiedCredentialsCache(options.cacheTtlMs ?? 30_000, options.cacheMaxEntries ?? 10_000));
  }

  /** Users whose entries were skipped because they are not bcrypt. */
  get skippedUsers(): readonly string[] {
    return this.snapshot.skipped;
  }

  async verify(user: string, password: string): Promise<boolean> {
    if (this.closed) return false;
    const snapshot = await this.current();
    if (this.cache.has(snapshot.version, user, password)) return true;
    const hash = snapshot.hashes.get(user);
    const matches = await bcrypt.compare(password, hash ?? DUMMY_HASH);
    if (!matches || hash === undefined) return false;
    this.cache.add(snapshot.version, user, password);
    return true;
  }

  close(): void {
    this.closed = true;
    this.cache.clear();
  }

  private async current(): Promise<Snapshot> {
    let statKey: string;
    try {
      statKey = statKeyOf(await stat(this.path));
    } catch {
      // The file was removed (or is being replaced): keep the last good entries rather than lock everyone out.
      return this.snapshot;
    }
    if (statKey === this.snapshot.statKey) return this.snapshot;
    this.reloading ??= load(this.path)
      .then((next) => (this.snapshot = next))
      .catch(() => this.snapshot)
      .finally(() => (this.reloading = undefined));
    return this.reloading;
  }
}

async function load(path: string): Promise<Snapshot> {
  const before = statKeyOf(await stat(path));
  const text = await readFile(path, 'utf8');
  const hashes = new Map<string, string>();
  const skipped: string[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1);
    if (BCRYPT_PREFIX.test(hash)) hashes.set(user, hash);
    else skipped.push(user);
  }
  return { version: createHash('sha256').update(text).digest('base64'), statKey: before, hashes, skipped };
}

function statKeyOf(s: { ino: number; size: number; mtimeMs: number; ctimeMs: number }): string {
  return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
}
