import type { StorageDriverConfig, StorageMiddlewareConfig, WharfConfig } from '@wharf/config';
import type { StorageDriver } from '@wharf/registry-core';
import { AzureDriver, type AzureSettings } from './azure.driver.js';
import { FilesystemDriver } from './filesystem.driver.js';
import { GcsDriver, type GcsSettings } from './gcs.driver.js';
import { InMemoryDriver } from './inmemory.driver.js';
import { S3Driver } from './s3.driver.js';
import type { S3Settings } from './s3-settings.js';
import { withStorageMiddleware } from './storage.middleware.js';

/** Which driver to open, in the drivers' own terms, and the middleware over its redirects. */
export type StorageSettings = (
  | { driver: 'filesystem'; rootDirectory: string }
  | { driver: 'inmemory' }
  | ({ driver: 's3' } & S3Settings)
  | ({ driver: 'azure' } & AzureSettings)
  | ({ driver: 'gcs' } & GcsSettings)
) & { middleware?: readonly StorageMiddlewareConfig[] };

/** The storage a configuration names (`storage` and `middleware.storage`): the registry, the api and garbage-collect share this. */
export function storageSettingsFromConfig(config: Pick<WharfConfig, 'storage' | 'middleware'>): StorageSettings {
  return { ...storageSettingsFor(config.storage.driver), middleware: config.middleware.storage };
}

/** The settings a configured driver opens with. */
export function storageSettingsFor(driver: StorageDriverConfig): StorageSettings {
  switch (driver.name) {
    case 'filesystem':
      return { driver: 'filesystem', rootDirectory: driver.rootDirectory };
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
  }
}

// inmemory storage belongs to the process, as in registry:2: every role hosted in it (registry, api)
// must see the same blobs, so they share one driver.
let processMemory: InMemoryDriver | undefined;

/** The storage settings name; roles in one process opening the same settings see the same data. */
export function createStorageDriver(storage: StorageSettings): StorageDriver {
  return withStorageMiddleware(openDriver(storage), storage.middleware ?? []);
}

function openDriver(storage: StorageSettings): StorageDriver {
  switch (storage.driver) {
    case 'filesystem':
      return new FilesystemDriver(storage.rootDirectory);
    case 'inmemory':
      processMemory ??= new InMemoryDriver();
      return processMemory;
    case 's3':
      return new S3Driver(storage);
    case 'azure':
      return new AzureDriver(storage);
    case 'gcs':
      return new GcsDriver(storage);
  }
}
