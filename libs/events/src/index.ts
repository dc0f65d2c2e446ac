export * from './registry-event.js';
export * from './queue-names.js';
