import type { StorageDriverConfig } from '@wharf/config';
import type { StorageDriver } from '@wharf/registry-core';
import { FilesystemDriver } from './filesystem.driver.js';
import { InMemoryDriver } from './inmemory.driver.js';
import { AzureDriver, type AzureSettings } from './azure.driver.js';
import { GcsDriver, type GcsSettings } from './gcs.driver.js';
import { RegulatedDriver } from './regulated.driver.js';
import { SwiftDriver, swiftDriverOptions, type SwiftDriverOptions } from './swift.driver.js';

/** Which driver to open, in the drivers' own terms (the registry and the api map the config onto it). */
export type StorageSettings =
  /** maxThreads: storage.filesystem.maxthreads, calls in progress at once (absent: no bound). */
  | { driver: 'filesystem'; rootDirectory: string; maxThreads?: number }
  | { driver: 'inmemory' }
  | ({ driver: 'azure' } & AzureSettings)
  | ({ driver: 'gcs' } & GcsSettings)
  | ({ driver: 'swift' } & SwiftDriverOptions);

// inmemory storage belongs to the process, as in registry:2: every role hosted in it (registry, api)
// must see the same blobs, so they share one driver.
let processMemory: InMemoryDriver | undefined;

/** The storage a configuration names; roles in one process opening the same settings see the same data. */
export function createStorageDriver(storage: StorageSettings): StorageDriver {
  switch (storage.driver) {
    case 'filesystem': {
      const driver = new FilesystemDriver(storage.rootDirectory);
      return storage.maxThreads === undefined ? driver : new RegulatedDriver(driver, storage.maxThreads);
    }
    case 'inmemory':
      processMemory ??= new InMemoryDriver();
      return processMemory;
    case 'azure':
      return new AzureDriver(storage);
    case 'gcs':
      return new GcsDriver(storage);
    case 'swift':
      return new SwiftDriver(storage);
  }
}

/** The settings a configured driver opens with (the registry, the api and garbage-collect share this). */
export function storageSettingsFor(driver: StorageDriverConfig): StorageSettings {
  switch (driver.name) {
    case 'filesystem':
      return { driver: 'filesystem', rootDirectory: driver.rootDirectory, maxThreads: driver.maxThreads };
    case 'inmemory':
      return { driver: 'inmemory' };
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
