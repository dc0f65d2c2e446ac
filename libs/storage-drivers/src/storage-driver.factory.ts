import type { StorageDriverConfig, StorageMiddlewareConfig, WharfConfig } from '@wharf/config';
import type { StorageDriver } from '@wharf/registry-core';
import type { AzureSettings } from './azure.driver.js';
import { FilesystemDriver } from './filesystem.driver.js';
import type { GcsSettings } from './gcs.driver.js';
import { InMemoryDriver } from './inmemory.driver.js';
import { ProxyDriver } from './proxy.driver.js';
import { RegulatedDriver } from './regulated.driver.js';
import { S3Keys } from './s3-keys.js';
import type { S3Settings } from './s3-settings.js';
import { withStorageMiddleware } from './storage.middleware.js';
import { SwiftDriver, swiftDriverOptions, type SwiftDriverOptions } from './swift.driver.js';

/** Which driver to open, in the drivers' own terms, and the middleware over its redirects. */
export type StorageSettings = (
  /** maxThreads: storage.filesystem.maxthreads, calls in progress at once (absent: no bound). */
  | { driver: 'filesystem'; rootDirectory: string; maxThreads?: number }
  | { driver: 'inmemory' }
  | ({ driver: 's3' } & S3Settings)
  | ({ driver: 'azure' } & AzureSettings)
  | ({ driver: 'gcs' } & GcsSettings)
  | ({ driver: 'swift' } & SwiftDriverOptions)
) & { middleware?: readonly StorageMiddlewareConfig[] };

/** The storage a configuration names (`storage` and `middleware.storage`): the registry, the api and garbage-collect share this. */
export function storageSettingsFromConfig(config: Pick<WharfConfig, 'storage' | 'middleware'>): StorageSettings {
  return { ...storageSettingsFor(config.storage.driver), middleware: config.middleware.storage };
}

/** The settings a configured driver opens with. */
export function storageSettingsFor(driver: StorageDriverConfig): StorageSettings {
  switch (driver.name) {
    case 'filesystem':
      return { driver: 'filesystem', rootDirectory: driver.rootDirectory, maxThreads: driver.maxThreads };
    case 'inmemory':
      return { driver: 'inmemory' };
    // s3 and oss: OSS is spoken through its S3-compatible API
    case 's3':
    case 'oss':
      return { driver: 's3', ...driver.s3 };
    // object stores: the config's shape is the driver's own settings
    case 'azure': {
      const { name, ...settings } = driver;
      return { driver: name, ...settings };
    }
    case 'gcs': {
      const { name, ...settings } = driver;
      return { driver: name, ...settings };
    }
    case 'swift':
      return { driver: 'swift', ...swiftDriverOptions(driver) };
  }
}

// inmemory storage belongs to the process, as in registry:2: every role hosted in it (registry, api)
// must see the same blobs, so they share one driver.
let processMemory: InMemoryDriver | undefined;

/** The storage settings name; roles in one process opening the same settings see the same data. */
export function createStorageDriver(storage: StorageSettings): StorageDriver {
  const bucketKey = storage.driver === 's3' ? (path: string) => new S3Keys(storage.rootDirectory).key(path) : undefined;
  return withStorageMiddleware(openDriver(storage), storage.middleware ?? [], bucketKey);
}

/**
 * The s3, azure and gcs drivers load their module, and with it their SDK (tens of MiB each), at
 * the first storage call: a process only holds the SDK its configuration uses. All three sign URLs.
 */
function openDriver(storage: StorageSettings): StorageDriver {
  const signed = (load: () => Promise<StorageDriver>): StorageDriver => {
    const proxy: ProxyDriver = new ProxyDriver(storage.driver, load, async (path, options) => (await proxy.target()).redirectURL?.(path, options));
    return proxy;
  };
  switch (storage.driver) {
    case 'filesystem': {
      const driver = new FilesystemDriver(storage.rootDirectory);
      return storage.maxThreads === undefined ? driver : new RegulatedDriver(driver, storage.maxThreads);
    }
    case 'inmemory':
      processMemory ??= new InMemoryDriver();
      return processMemory;
    case 's3':
      return signed(async () => new (await import('./s3.driver.js')).S3Driver(storage));
    case 'azure':
      return signed(async () => new (await import('./azure.driver.js')).AzureDriver(storage));
    case 'gcs':
      return signed(async () => new (await import('./gcs.driver.js')).GcsDriver(storage));
    case 'swift':
      return new SwiftDriver(storage);
  }
}
