/** Injection tokens shared by the API's feature modules. */
export const WHARF_CONFIG = Symbol('WHARF_CONFIG');
export const LOGGER = Symbol('LOGGER');
