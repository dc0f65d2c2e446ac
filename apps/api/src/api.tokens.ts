/** Injection tokens shared by the API's feature modules. */
export const WHARF_CONFIG = Symbol('WHARF_CONFIG');
export const LOGGER = Symbol('LOGGER');
/** The RegistryWriter deletes go through: the registry role's own services, or its /v2 API. */
export const REGISTRY_WRITER = Symbol('REGISTRY_WRITER');
