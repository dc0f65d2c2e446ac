import { Client } from '@elastic/elasticsearch';
import type { ElasticsearchConfig } from '@wharf/config';

export interface SearchClientOptions {
  /** Per-request timeout; bulk requests of a few hundred small documents take milliseconds. */
  requestTimeoutMs?: number;
  /**
   * Retries the client makes itself on a connection failure before the caller sees it. The indexer
   * passes 0: its queue pauses and retries (QueueConsumer), so it must notice an outage at once.
   */
  maxRetries?: number;
}

/** One client per process and role; it keeps a pool of keep-alive connections to every URL. */
export function createSearchClient(config: ElasticsearchConfig, options: SearchClientOptions = {}): Client {
  return new Client({
    nodes: config.urls,
    ...(config.username !== undefined ? { auth: { username: config.username, password: config.password ?? '' } } : {}),
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    maxRetries: options.maxRetries ?? 2,
    // Elasticsearch answers with JSON only; compression costs CPU for little gain on a LAN
    compression: false,
  });
}
