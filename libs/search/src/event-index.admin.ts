import { errors, type Client } from '@elastic/elasticsearch';
import { eventIndexFor, eventIndexNames } from './event-index.js';
import { buildEventIndexTemplate, EVENT_MAPPINGS } from './event-template.js';

/** Installs and upgrades the events index template, and creates month indices ahead of their events. */
export class EventIndexAdmin {
  constructor(
    private readonly client: Client,
    private readonly prefix: string,
  ) {}

  /**
   * Puts the template (idempotent: same body, same result) and adds any new mapped fields to the
   * monthly indices that already exist, so an upgrade applies to old months too. Field types never
   * change in place; a changed type needs a new mapping version and a reindex.
   */
  async ensure(nowMs: number = Date.now()): Promise<void> {
    await this.client.indices.putIndexTemplate(buildEventIndexTemplate(this.prefix));
    const { pattern } = eventIndexNames(this.prefix);
    await this.client.indices.putMapping({
      index: pattern,
      allow_no_indices: true,
      ignore_unavailable: true,
      dynamic: EVENT_MAPPINGS.dynamic,
      properties: EVENT_MAPPINGS.properties,
    });
    await this.ensureMonthIndices(nowMs);
  }

  /**
   * Creates this month's and next month's index if they do not exist yet. An index created by the
   * first bulk write of its month has shards still starting for a moment, and a search through the
   * alias then fails (no_shard_available); made ahead of time, the first events of a month land in
   * a ready index. Late or replayed events of older months still create theirs on demand.
   */
  async ensureMonthIndices(nowMs: number = Date.now()): Promise<void> {
    const now = new Date(nowMs);
    const nextMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
    for (const index of [eventIndexFor(this.prefix, nowMs), eventIndexFor(this.prefix, nextMonth)]) {
      try {
        await this.client.indices.create({ index, wait_for_active_shards: 1 });
      } catch (err) {
        if (!(err instanceof errors.ResponseError && err.body?.error?.type === 'resource_already_exists_exception')) throw err;
      }
    }
  }
}
