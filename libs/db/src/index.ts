export * from './data-source.factory.js';
export * from './counters/index.js';
export * from './webhooks/index.js';
