export { HtpasswdStore, type HtpasswdStoreOptions } from './htpasswd.store.js';
export { AccessPolicy } from './access.policy.js';
export { FailedLoginLimiter, type FailedLoginLimiterOptions } from './failed-login.limiter.js';
export { repositoryGlob } from './repository-glob.js';
