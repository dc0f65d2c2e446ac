export * from './logger.js';
export * from './log-format.js';
export * from './log-destination.js';
export * from './request-id.js';
export * from './running-role.js';
export * from './log-redaction.js';
export * from './periodic-task.js';
