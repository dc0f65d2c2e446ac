import type { Client, estypes } from '@elastic/elasticsearch';
import type { RegistryEvent } from '@wharf/events';
import type { EventDocument } from './event-document.js';
import { eventIndexNames } from './event-index.js';
import {
  buildAggregationsRequest,
  buildBoundsRequest,
  buildByIdRequest,
  buildPageRequest,
  emptyAggregations,
  readAggregations,
  readBounds,
  readPage,
  type EventAggregations,
  type EventFilters,
  type EventPage,
  type EventPageQuery,
} from './event-query.builder.js';
import { chooseHistogramInterval } from './histogram-interval.js';
import { isTransientSearchError, SearchError } from './search.error.js';

/** Reads events back for the API, through the `${prefix}-events` alias. */
export class EventSearchRepository {
  private readonly alias: string;

  constructor(
    private readonly client: Client,
    prefix: string,
    private readonly clock: () => number = Date.now,
  ) {
    this.alias = eventIndexNames(prefix).alias;
  }

  async page(query: EventPageQuery): Promise<EventPage> {
    const response = await this.send<Pick<EventDocument, 'event'>>(buildPageRequest(this.alias, query));
    return readPage(response, query);
  }

  async findById(id: string): Promise<RegistryEvent | undefined> {
    const response = await this.send<Pick<EventDocument, 'event'>>(buildByIdRequest(this.alias, id));
    return response.hits.hits[0]?._source?.event;
  }

  /**
   * Histogram, top repositories and actors, action facets. The histogram spans [from, to) when
   * given; an open end is closed by now (to) or by the first matching event (from).
   */
  async aggregate(filters: EventFilters): Promise<EventAggregations> {
    let fromMs = filters.from?.getTime();
    let toMs = filters.to?.getTime() ?? (fromMs === undefined ? undefined : Math.max(this.clock(), fromMs + 1));
    if (fromMs === undefined || toMs === undefined) {
      const bounds = readBounds(await this.send(buildBoundsRequest(this.alias, filters)));
      if (!bounds) return emptyAggregations(chooseHistogramInterval(0, 0).interval);
      fromMs ??= bounds.fromMs;
      toMs ??= bounds.toMs;
    }
    if (toMs <= fromMs) toMs = fromMs + 1;
    const interval = chooseHistogramInterval(fromMs, toMs);
    const response = await this.send(buildAggregationsRequest(this.alias, filters, { ...interval, fromMs, toMs }));
    return readAggregations(response, interval.interval);
  }

  private async send<T>(request: estypes.SearchRequest): Promise<estypes.SearchResponse<T>> {
    try {
      return await this.client.search<T>(request);
    } catch (err) {
      if (isTransientSearchError(err)) {
        throw new SearchError('SEARCH_UNAVAILABLE', `elasticsearch is unavailable: ${(err as Error).message}`, { cause: err });
      }
      throw err;
    }
  }
}
