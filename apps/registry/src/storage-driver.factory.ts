import type { StorageDriver } from '@wharf/registry-core';
import { FilesystemDriver, InMemoryDriver } from '@wharf/storage-drivers';
import type { RegistrySettings } from './registry-settings.js';

export function createStorageDriver(storage: RegistrySettings['storage']): StorageDriver {
  switch (storage.driver) {
    case 'filesystem':
      return new FilesystemDriver(storage.rootDirectory);
    case 'inmemory':
      return new InMemoryDriver();
  }
}
