import { isPathNotFound, type StorageDriver } from '@wharf/registry-core';
import { ConfigError } from '@wharf/config';
import { isS3ConfigurationError } from './s3-errors.js';
import { StoreRefusalError } from './store-refusal.error.js';

export type ProbeResult =
  | { ok: true }
  /** `refused`: the store answered that these credentials or this bucket are wrong, which waiting will not fix. */
  | { ok: false; refused: boolean; message: string };

/**
 * One cheap request to the storage (`stat('/')`), bounded by `timeoutMs`: whether the store is
 * reachable and accepts the configured credentials and bucket.
 */
export async function probeStorage(driver: StorageDriver, timeoutMs: number): Promise<ProbeResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${driver.name} storage did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([driver.stat('/'), timeout]);
    return { ok: true };
  } catch (err) {
    // a filesystem root that does not exist yet is made by the first write
    if (isPathNotFound(err)) return { ok: true };
    // settings the driver could not even open with (an unreadable key file) are named as such
    if (err instanceof ConfigError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    if (isS3ConfigurationError(err) || err instanceof StoreRefusalError) {
      return { ok: false, refused: true, message: `the object store refused the configured credentials or bucket: ${message}` };
    }
    return { ok: false, refused: false, message };
  } finally {
    clearTimeout(timer);
  }
}
