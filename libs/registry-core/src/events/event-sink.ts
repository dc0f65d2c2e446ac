import type { RegistryEvent } from '@wharf/events';

/**
 * Where registry events go. The notification pipeline's publisher resolves
 * once the events are durably spooled, so a response is sent only after its
 * event is safe.
 */
export interface RegistryEventSink {
  publish(events: RegistryEvent[]): Promise<void>;
}

/** The sink of a registry with notifications off (no `redis` configured): events are not recorded. */
export const EVENTS_OFF: RegistryEventSink = { publish: async () => undefined };
