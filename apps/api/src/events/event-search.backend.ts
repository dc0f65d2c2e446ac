import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { WharfConfig } from '@wharf/config';
import { assertIndexPrefix, createSearchClient, EventSearchRepository, SearchError } from '@wharf/search';
import { WHARF_CONFIG } from '../api.tokens.js';

/**
 * The events API's edge: one Elasticsearch client for the process, created on first use so the API
 * starts (and serves its other features) while Elasticsearch is still coming up. Without an
 * `elasticsearch:` section every events request is a 503 saying so.
 */
@Injectable()
export class EventSearchBackend implements OnApplicationShutdown {
  private client: ReturnType<typeof createSearchClient> | undefined;
  private repository: EventSearchRepository | undefined;

  constructor(@Inject(WHARF_CONFIG) private readonly config: WharfConfig) {
    // a prefix that cannot name an index is a configuration error, reported at start
    if (config.elasticsearch) assertIndexPrefix(config.elasticsearch.indexPrefix);
  }

  events(): EventSearchRepository {
    const es = this.config.elasticsearch;
    if (!es) throw new SearchError('SEARCH_UNAVAILABLE', 'no elasticsearch section is configured: events are not searchable');
    if (!this.repository) {
      // a search is interactive: give up after a few seconds and let the caller retry
      this.client = createSearchClient(es, { requestTimeoutMs: 10_000, maxRetries: 1 });
      this.repository = new EventSearchRepository(this.client, es.indexPrefix);
    }
    return this.repository;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client?.close();
  }
}
