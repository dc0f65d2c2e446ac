import type { CountableRequest } from './download-rule.js';

/** Where counts are kept: the one port the counter service writes through. */
export interface CounterStore {
  /**
   * Applies the requests' effects exactly once: requests whose event id was recorded before are
   * ignored. All or nothing: on error nothing of the batch is applied.
   */
  record(requests: readonly CountableRequest[]): Promise<void>;
  /**
   * Forgets event ids processed before `before`, and blob GETs and uncounted HEADs (which only
   * matter within seconds of a pull) processed before `transientBefore`; returns how many.
   */
  forgetProcessedBefore(before: Date, transientBefore?: Date): Promise<number>;
}
