import type { RegistryEvent } from '@wharf/events';
import type { ChainableCommander } from 'ioredis';
import type { RedisConnection } from './redis-connection.js';

export interface EventLogOptions {
  /** Key prefix, QUEUE_PREFIX unless a test isolates itself. */
  prefix: string;
  /** Entries older than this are trimmed. */
  retentionMs: number;
  /** At most about this many entries are kept (trimmed approximately, as Redis does cheaply). */
  maxEvents: number;
}

/**
 * Recent events, kept in Redis so an operator can replay them to an endpoint: a stream
 * `<prefix>:events` with one entry per forwarded event, trimmed by count on every add and by age
 * once per batch (notifications.replay.maxevents / retention). Entry ids are the time the
 * forwarder added them, which is never earlier than the event itself, so "every entry since T"
 * holds every event that happened since T (the caller filters on the event's own timestamp).
 * A re-forwarded batch can add an event twice; readers de-duplicate by event id.
 */
export class EventLog {
  readonly key: string;

  constructor(private readonly options: EventLogOptions) {
    this.key = `${options.prefix}:events`;
  }

  /** Queues the adds and the trims on a pipeline or transaction the caller executes. */
  addTo(pipeline: ChainableCommander, events: readonly RegistryEvent[], now = Date.now()): void {
    for (const event of events) {
      pipeline.xadd(this.key, 'MAXLEN', '~', String(this.options.maxEvents), '*', 'e', JSON.stringify(event));
    }
    pipeline.xtrim(this.key, 'MINID', '~', String(Math.max(0, now - this.options.retentionMs)));
  }

  /** Yields the logged events whose own timestamp is at or after `since`, oldest first, in pages. */
  async *since(connection: RedisConnection, since: Date, pageSize = 1_000): AsyncGenerator<RegistryEvent[]> {
    const sinceMs = since.getTime();
    let start = String(sinceMs);
    for (;;) {
      const entries = await connection.xrange(this.key, start, '+', 'COUNT', pageSize);
      const events: RegistryEvent[] = [];
      for (const [, fields] of entries) {
        const json = fields[fields.indexOf('e') + 1];
        if (json === undefined) continue;
        const event = JSON.parse(json) as RegistryEvent;
        if (Date.parse(event.timestamp) >= sinceMs) events.push(event);
      }
      if (events.length > 0) yield events;
      if (entries.length < pageSize) return;
      start = `(${entries.at(-1)![0]}`;
    }
  }
}
