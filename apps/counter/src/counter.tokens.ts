/** Injection tokens of the counter role. */
export const COUNTER_SERVICE = Symbol('COUNTER_SERVICE');
export const COUNTER_LOGGER = Symbol('COUNTER_LOGGER');
