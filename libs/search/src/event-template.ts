import type { estypes } from '@elastic/elasticsearch';
import { eventIndexNames } from './event-index.js';

/** Bumped whenever the mappings change; stored in the template's `_meta` for operators. */
export const EVENT_MAPPING_VERSION = 2;

type KeywordOptions = Omit<estypes.MappingKeywordProperty, 'type'>;
const keyword = (extra: KeywordOptions = {}): estypes.MappingKeywordProperty => ({ ...extra, type: 'keyword' });
/** Fields that free text (`q`) also searches are copied into the catch-all `text` field. */
const searchable = (extra: KeywordOptions = {}): estypes.MappingKeywordProperty => keyword({ copy_to: ['text'], ...extra });

/**
 * Explicit mappings for EventDocument. `dynamic: false` keeps unknown fields in _source without
 * mapping them: a newer producer adding a field never makes an older index reject documents.
 */
export const EVENT_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: {
    id: keyword(),
    timestamp: { type: 'date' },
    action: keyword(),
    repository: searchable(),
    fromRepository: searchable(),
    tag: searchable(),
    digest: searchable(),
    mediaType: keyword(),
    size: { type: 'long' },
    url: keyword({ index: false, doc_values: false }),
    actor: searchable(),
    clientAddr: searchable(),
    clientIp: { type: 'ip' },
    // user agents can be long; beyond 1024 characters they are searchable as text only
    userAgent: searchable({ ignore_above: 1024 }),
    host: keyword(),
    method: keyword(),
    requestId: keyword(),
    sourceAddr: keyword(),
    sourceInstance: keyword(),
    // Wharf's pull-through cache: `hit` or `fill`, and the upstream's host (version 2)
    cache: keyword(),
    upstream: keyword(),
    // Free text over repository, tag, digest, actor, user agent and client address. The standard
    // analyzer splits "library/nginx" and "sha256:abc…" into words, so either half finds the event.
    text: { type: 'text', analyzer: 'standard' },
    // the envelope as received, kept for the API but not indexed
    event: { type: 'object', enabled: false },
  },
};

export const EVENT_INDEX_SETTINGS: estypes.IndicesIndexSettings = {
  number_of_shards: 1,
  // one replica when the cluster has a second node, none on a single node (stays green)
  auto_expand_replicas: '0-1',
  // searchable within a second of indexing: the pipeline's lag budget
  refresh_interval: '1s',
};

/** The composable index template every monthly events index is created from. */
export function buildEventIndexTemplate(prefix: string): estypes.IndicesPutIndexTemplateRequest {
  const names = eventIndexNames(prefix);
  return {
    name: names.template,
    index_patterns: [names.pattern],
    // above the built-in templates (100) in case a prefix makes a pattern overlap theirs
    priority: 200,
    _meta: { managed_by: 'wharf', mapping_version: EVENT_MAPPING_VERSION },
    template: {
      settings: EVENT_INDEX_SETTINGS,
      mappings: EVENT_MAPPINGS,
      aliases: { [names.alias]: {} },
    },
  };
}
