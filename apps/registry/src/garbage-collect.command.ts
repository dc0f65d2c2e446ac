import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, loadConfig } from '@wharf/config';
import { GarbageCollector, isPathNotFound } from '@wharf/registry-core';
import { createStorageDriver, storageSettingsFromConfig } from '@wharf/storage-drivers';
import { closeConnection, createRedisConnection } from '@wharf/queue';
import { forgetCollectedBlobs } from './cache/redis-blob-descriptor.cache.js';

const GC_USAGE = `Usage: wharf garbage-collect CONFIG [flags]

Deletes blobs (layers, configs, manifests) that no manifest references, as registry:2's
garbage-collect does, and the repository layer links that would point at them.

Run it only while the registry is stopped or in read-only mode (storage.maintenance.readonly):
a push in progress during collection can lose blobs it has uploaded but not yet referenced.

Flags:
  -d, --dry-run           report what would be deleted, delete nothing
  -m, --delete-untagged   also delete manifests no tag points at (children of a tagged index and
                          referrers of a kept manifest stay)
  -h, --help              this help`;

/** `wharf garbage-collect CONFIG [flags]`; returns the exit code. */
export async function garbageCollect(args: string[]): Promise<number> {
  let dryRun = false;
  let deleteUntagged = false;
  const files: string[] = [];
  for (const arg of args) {
    // registry:2 (cobra) also takes --flag=true|false
    const [flag, value] = arg.split('=', 2) as [string, string | undefined];
    const on = value === undefined || /^(1|t|true)$/i.test(value);
    if (value !== undefined && !on && !/^(0|f|false)$/i.test(value)) {
      process.stderr.write(`wharf garbage-collect: ${flag} takes true or false, not "${value}"\n`);
      return 2;
    }
    if (flag === '-d' || flag === '--dry-run') dryRun = on;
    else if (flag === '-m' || flag === '--delete-untagged') deleteUntagged = on;
    else if (arg === '-h' || arg === '--help') {
      process.stdout.write(`${GC_USAGE}\n`);
      return 0;
    } else if (arg.startsWith('-')) {
      process.stderr.write(`wharf garbage-collect: unknown flag ${arg}\n${GC_USAGE}\n`);
      return 2;
    } else files.push(arg);
  }
  // As registry:2: the file comes from the argument or REGISTRY_CONFIGURATION_PATH, never from defaults,
  // so collection never runs against a storage root nobody named.
  const file = files[0] ?? process.env['REGISTRY_CONFIGURATION_PATH'];
  if (files.length > 1 || !file) {
    process.stderr.write(`wharf garbage-collect: ${files.length > 1 ? 'one CONFIG only' : 'CONFIG is required'}\n${GC_USAGE}\n`);
    return 2;
  }
  let storage;
  let config;
  try {
    config = loadConfig({ file, env: process.env });
    storage = storageSettingsFromConfig(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`wharf: configuration error: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  if (storage.driver === 'inmemory') {
    process.stderr.write('wharf garbage-collect: the inmemory storage driver keeps nothing between runs: there is nothing to collect\n');
    return 1;
  }
  const driver = createStorageDriver(storage);
  try {
    await driver.stat('/');
  } catch (err) {
    // an object store's root always exists: what fails there is reaching it (credentials, network)
    const why = isPathNotFound(err) && storage.driver === 'filesystem' ? `storage root ${storage.rootDirectory} does not exist` : (err as Error).message;
    process.stderr.write(`wharf garbage-collect: ${why}\n`);
    return 1;
  }
  try {
    const report = await new GarbageCollector(driver).run({ dryRun, deleteUntagged, log: (line) => process.stdout.write(`${line}\n`) });
    if (!dryRun && config.storage.cache.blobDescriptor === 'redis' && config.redis !== undefined && report.deletedBlobs.length > 0) {
      const redis = createRedisConnection(config.redis, 'producer');
      try {
        await Promise.race([once(redis, 'ready'), sleep(config.redis.dialTimeoutMs ?? 5_000).then(() => Promise.reject(new Error('redis did not answer')))]);
        await forgetCollectedBlobs(redis, report.deletedBlobs);
        process.stdout.write(`${report.deletedBlobs.length} deleted blobs removed from the redis blob descriptor cache\n`);
      } catch (err) {
        // The blobs are gone; cached descriptors would still claim them: the operator must know.
        throw new Error(`the deleted blobs are still in the redis blob descriptor cache (${(err as Error).message}); delete the keys blobs::<digest> of the blobs listed above`);
      } finally {
        await closeConnection(redis);
      }
    }
  } catch (err) {
    process.stderr.write(`wharf garbage-collect: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  return 0;
}
