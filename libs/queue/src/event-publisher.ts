import type { RegistryEvent } from '@wharf/events';
import type { EventSink } from './event-sink.js';
import type { EventSpool } from './event-spool.js';
import type { SpoolForwarder } from './spool-forwarder.js';

/**
 * The registry's EventSink: append to the local spool (the durable step, awaited before the
 * registry answers), then nudge the forwarder so the events reach Redis within milliseconds.
 * Never waits for Redis and never fails because of it.
 */
export class EventPublisher implements EventSink {
  constructor(
    private readonly spool: EventSpool,
    private readonly forwarder?: SpoolForwarder,
  ) {}

  async publish(events: readonly RegistryEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.spool.append(events);
    this.forwarder?.wake();
  }
}
