/** Injection tokens of the indexer role. */
export const EVENT_BATCHER = Symbol('EVENT_BATCHER');
export const LOGGER = Symbol('LOGGER');
