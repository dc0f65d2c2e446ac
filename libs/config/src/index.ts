export { loadConfig, parseConfig, defaultConfig, type LoadConfigOptions } from './config.loader.js';
export { ConfigError, type ConfigIssue } from './config.error.js';
export { parseGoDuration } from './duration.js';
export type * from './config.types.js';
export { splitHostPort, hostPort, listenHost, reachableHost, joinHostPort, type HostPort } from './host-port.js';
export { openSslCipherList } from './sections/tls-cipher-suites.js';
export { retentionCutoff, formatRetention } from './retention.js';
