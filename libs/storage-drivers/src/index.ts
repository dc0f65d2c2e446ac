// Runtime entry. The shared conformance suite (driver-suite.ts) is test-only and not exported.
export { FilesystemDriver } from './filesystem.driver.js';
export { InMemoryDriver } from './inmemory.driver.js';
export { isS3ConfigurationError, S3StorageError } from './s3-errors.js';
export type { S3Settings } from './s3-settings.js';
export { probeStorage, type ProbeResult } from './storage.probe.js';
export { createStorageDriver, storageSettingsFor, storageSettingsFromConfig, type StorageSettings } from './storage-driver.factory.js';
export { SwiftDriver } from './swift.driver.js';
