export { start, type RunningRegistryRole } from './registry.role.js';
export { garbageCollect } from './garbage-collect.command.js';
export { startRegistry, type RunningRegistry } from './http-server.js';
export { settingsFromConfig } from './settings-from-config.js';
export type { RegistrySettings } from './registry-settings.js';
