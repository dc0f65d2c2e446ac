import { EVENT_JOB_NAME, type RegistryEvent } from '@wharf/events';
import type { EventLog } from './event-log.js';
import { queueJobId } from './job-ids.js';
import type { QueueCatalog } from './queue-catalog.js';

export interface ReplayResult {
  since: string;
  /** Events put on the queue (after the consumer's filters and de-duplication). */
  enqueued: number;
  /** The oldest event still in the replay log, null when it is empty: events before it are gone. */
  logStartsAt: string | null;
}

/**
 * Replays every logged event since a point in time to one queue (a new endpoint catching up, a
 * receiver that lost data, re-indexing): the events come from the replay log (EventLog, bounded by
 * notifications.replay.*), pass the queue's own filters (an endpoint's ignore lists), and are added
 * as new jobs after whatever already waits. Consumers that de-duplicate by event id (indexer,
 * counter) are unaffected by events they already have; an endpoint receives them again, which is
 * what a replay is for.
 */
export class EventReplayService {
  constructor(
    private readonly catalog: QueueCatalog,
    private readonly log: EventLog,
  ) {}

  async replay(name: string, since: Date): Promise<ReplayResult> {
    const route = this.catalog.route(name);
    if (route === undefined) throw new Error(`unknown queue ${name}`);
    const queue = this.catalog.queue(name);
    const suffix = `replay-${Date.now().toString(36)}`;
    const seen = new Set<string>();
    let enqueued = 0;
    for await (const page of this.log.since(this.catalog.connection, since)) {
      const events = page.filter((event: RegistryEvent) => {
        if (seen.has(event.id) || !route.accepts(event)) return false;
        seen.add(event.id);
        return true;
      });
      if (events.length === 0) continue;
      await queue.addBulk(
        events.map((event) => ({
          name: EVENT_JOB_NAME,
          data: event,
          opts: { ...route.jobOptions, jobId: queueJobId(event.id, route.consumer, suffix) },
        })),
      );
      enqueued += events.length;
    }
    const first = await this.catalog.connection.xrange(this.log.key, '-', '+', 'COUNT', 1);
    const firstId = first[0]?.[0];
    return {
      since: since.toISOString(),
      enqueued,
      logStartsAt: firstId === undefined ? null : new Date(Number(firstId.split('-')[0])).toISOString(),
    };
  }
}
