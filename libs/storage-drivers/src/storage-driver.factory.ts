import type { StorageDriver } from '@wharf/registry-core';
import { FilesystemDriver } from './filesystem.driver.js';
import { InMemoryDriver } from './inmemory.driver.js';
import { S3Driver } from './s3.driver.js';
import type { S3Settings } from './s3-settings.js';

/** Which driver to open, in the drivers' own terms (the registry and the api map the config onto it). */
export type StorageSettings =
  | { driver: 'filesystem'; rootDirectory: string }
  | { driver: 'inmemory' }
  | ({ driver: 's3' } & S3Settings);

// inmemory storage belongs to the process, as in registry:2: every role hosted in it (registry, api)
// must see the same blobs, so they share one driver.
let processMemory: InMemoryDriver | undefined;

/** The storage a configuration names; roles in one process opening the same settings see the same data. */
export function createStorageDriver(storage: StorageSettings): StorageDriver {
  switch (storage.driver) {
    case 'filesystem':
      return new FilesystemDriver(storage.rootDirectory);
    case 'inmemory':
      processMemory ??= new InMemoryDriver();
      return processMemory;
    case 's3':
      return new S3Driver(storage);
  }
}
