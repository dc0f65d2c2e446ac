/** Injection tokens for values that are not classes. */
export const REGISTRY_SETTINGS = Symbol('REGISTRY_SETTINGS');
export const STORAGE_DRIVER = Symbol('STORAGE_DRIVER');
export const LOGGER = Symbol('LOGGER');
export const REGISTRY_AUTHENTICATOR = Symbol('REGISTRY_AUTHENTICATOR');
