// Runtime entry. The shared conformance suite (driver-suite.ts) is test-only and not exported.
export { FilesystemDriver } from './filesystem.driver.js';
export { InMemoryDriver } from './inmemory.driver.js';
export { createStorageDriver, storageSettingsFor, type StorageSettings } from './storage-driver.factory.js';
export { SwiftDriver } from './swift.driver.js';
