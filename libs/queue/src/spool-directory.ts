import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WharfConfig } from '@wharf/config';

export interface SpoolDirectory {
  directory: string;
  /** A per-process temp folder (inmemory storage): removed on a clean stop once drained. */
  temporary: boolean;
}

/**
 * Where the registry spools events: `notifications.spool.directory` when set; otherwise, with the
 * filesystem driver, `<rootdirectory>/wharf/spool` (beside `docker/registry/v2`, which is all the
 * registry:2 layout and garbage collection ever read, and on the same volume operators already
 * persist); with the inmemory driver, a fresh temp folder, as nothing else survives that
 * process either.
 */
export async function resolveSpoolDirectory(config: Pick<WharfConfig, 'notifications' | 'storage'>): Promise<SpoolDirectory> {
  const configured = config.notifications.spool.directory;
  if (configured !== undefined) return { directory: configured, temporary: false };
  const driver = config.storage.driver;
  if (driver.name === 'filesystem') return { directory: join(driver.rootDirectory, 'wharf', 'spool'), temporary: false };
  return { directory: await mkdtemp(join(tmpdir(), 'wharf-spool-')), temporary: true };
}
