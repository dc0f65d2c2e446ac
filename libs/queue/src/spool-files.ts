import { readFileSync } from 'node:fs';
import { open, readdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/*
 * The spool's on-disk layout, in one place:
 *   <directory>/0000000000000007.jsonl   segments: one RegistryEvent JSON per line, append-only
 *   <directory>/checkpoint.json          {"segment":7,"offset":12345}: everything before is in Redis
 *                                        (the forwarder's checkpoint)
 *   <directory>/checkpoint.<consumer>.json   the same for another consumer reading the spool itself
 *                                        (an endpoint delivered in process: endpoint.<name>)
 *   <directory>/spool.lock               {"pid":…,"host":…,"started":…}: one writer at a time
 * Segment numbers only grow; each process start writes to a new segment, so a line torn by a
 * crash is always the tail of a segment nobody appends to again.
 */

export interface SpoolPosition {
  segment: number;
  /** Byte offset of the next unread line in that segment. */
  offset: number;
}

const SEGMENT = /^(\d{16})\.jsonl$/;
const LOCK_FILE = 'spool.lock';

/** The consumer that forwards the spool into Redis; its checkpoint keeps the original file name. */
export const FORWARDER_CONSUMER = 'forwarder';

export function checkpointFile(directory: string, consumer: string = FORWARDER_CONSUMER): string {
  return join(directory, consumer === FORWARDER_CONSUMER ? 'checkpoint.json' : `checkpoint.${encodeURIComponent(consumer)}.json`);
}

export function segmentFile(directory: string, segment: number): string {
  return join(directory, `${String(segment).padStart(16, '0')}.jsonl`);
}

/** Segment numbers present in the directory, ascending. */
export async function listSegments(directory: string): Promise<number[]> {
  const names = await readdir(directory);
  return names
    .map((name) => SEGMENT.exec(name)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

export async function readCheckpoint(directory: string, consumer?: string): Promise<SpoolPosition | undefined> {
  const file = checkpointFile(directory, consumer);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = JSON.parse(text) as Partial<SpoolPosition>;
  if (!Number.isSafeInteger(parsed.segment) || !Number.isSafeInteger(parsed.offset)) {
    throw new Error(`spool checkpoint ${file} is malformed: ${text}`);
  }
  return { segment: parsed.segment!, offset: parsed.offset! };
}

/**
 * Write-then-rename, so a crash leaves the old or the new checkpoint, never half of one. No fsync:
 * a process crash (even SIGKILL) keeps the page cache; only a power loss can roll the checkpoint
 * back, which hands events on again: Redis absorbs them by job id, an endpoint receives them twice
 * (at least once, as registry:2 promises nothing better).
 */
export async function writeCheckpoint(directory: string, position: SpoolPosition, consumer?: string): Promise<void> {
  const file = checkpointFile(directory, consumer);
  await writeFile(`${file}.tmp`, JSON.stringify(position));
  await rename(`${file}.tmp`, file);
}

export class SpoolLockedError extends Error {
  constructor(directory: string, holder: string) {
    super(
      `the event spool ${directory} is in use by another Wharf registry (${holder}); ` +
        'give each registry process its own notifications.spool.directory',
    );
    this.name = 'SpoolLockedError';
  }
}

interface LockRecord {
  pid: number;
  host: string;
  /** Start time of the holder from /proc/<pid>/stat, so a recycled pid is not mistaken for it. */
  started?: string;
}

/** The holder touches the lock this often; a lock untouched for LOCK_STALE_MS has no live holder. */
const LOCK_HEARTBEAT_MS = 5_000;
const LOCK_STALE_MS = 20_000;

function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // field 22 (starttime), counted after the parenthesised command name, which may contain spaces
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * Whether the lock's holder may still be running. On this host the process table answers (the pid
 * exists and started when the holder did; our own pid is a previous life of this process, as a
 * container restart gives the same pid again). A lock from another host (a recreated container has
 * a new hostname) is live only while its heartbeat is fresh.
 */
function holderAlive(record: LockRecord | undefined, ageMs: number): boolean {
  if (record === undefined) return false;
  if (record.host !== hostname()) return ageMs < LOCK_STALE_MS;
  if (record.pid === process.pid) return false;
  try {
    process.kill(record.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const started = processStart(record.pid);
  return record.started === undefined || started === undefined || started === record.started;
}

/**
 * Takes the spool's lock file, so two registries never append to (and forward) the same segments.
 * A lock left by a dead process (a SIGKILLed registry) is taken over at once on the same host, and
 * after its heartbeat goes stale (LOCK_STALE_MS) from another host; until then the caller waits up
 * to `waitMs`, then gets a SpoolLockedError.
 */
export async function acquireLock(directory: string, waitMs = LOCK_STALE_MS + LOCK_HEARTBEAT_MS): Promise<() => Promise<void>> {
  const file = join(directory, LOCK_FILE);
  const started = processStart(process.pid);
  const mine: LockRecord = { pid: process.pid, host: hostname(), ...(started === undefined ? {} : { started }) };
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(JSON.stringify(mine));
      await handle.close();
      const heartbeat = setInterval(() => {
        const now = new Date();
        utimes(file, now, now).catch(() => undefined);
      }, LOCK_HEARTBEAT_MS);
      heartbeat.unref();
      return async () => {
        clearInterval(heartbeat);
        await unlink(file).catch(() => undefined);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder: LockRecord | undefined;
    let ageMs = Infinity;
    try {
      ageMs = Date.now() - (await stat(file)).mtimeMs;
      holder = JSON.parse(await readFile(file, 'utf8')) as LockRecord;
    } catch {
      holder = undefined; // torn or vanished: stale
    }
    if (!holderAlive(holder, ageMs)) {
      await unlink(file).catch(() => undefined);
      continue;
    }
    if (Date.now() >= deadline) throw new SpoolLockedError(directory, `pid ${holder!.pid} on ${holder!.host}`);
    await sleep(Math.min(1_000, Math.max(0, deadline - Date.now())));
  }
}
