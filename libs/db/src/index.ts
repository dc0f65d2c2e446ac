export * from './data-source.factory.js';
export * from './migration.runner.js';
export * from './shared-data-source.js';
export * from './transient-error.js';
export * from './counters/index.js';
export * from './webhooks/index.js';
