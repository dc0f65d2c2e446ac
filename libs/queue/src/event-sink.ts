import type { RegistryEvent } from '@wharf/events';

/**
 * What the registry hands its events to. `publish` resolves once the events are durable (spooled
 * on local disk); delivery to the queues happens afterwards, whether or not Redis is up.
 *
 * There is deliberately no no-op implementation here: a registry without a `redis` section keeps
 * working without any sink (it neither spools nor delivers), and the caller decides that wiring.
 */
export interface EventSink {
  publish(events: readonly RegistryEvent[]): Promise<void>;
}
