import type { SchemaObject } from '@nestjs/swagger';
import { EventAction } from '@wharf/events';
import { TOP_TERMS } from '@wharf/search';

/*
 * The shapes the API answers with, named once as components of /api/openapi.json. Controllers point
 * at them (schemaRef); the dashboard's types are generated from them (npm run api-types), so what
 * is said here is what the dashboard compiles against. A property is required unless listed as
 * optional: the API always sends it, null where the value is unknown.
 */

type Schema = SchemaObject | { $ref: string };

const str: SchemaObject = { type: 'string' };
const int: SchemaObject = { type: 'integer' };
const bool: SchemaObject = { type: 'boolean' };
const dateTime: SchemaObject = { type: 'string', format: 'date-time' };
const nullable = (schema: SchemaObject, description?: string): SchemaObject => ({ ...schema, nullable: true, ...(description ? { description } : {}) });
const arrayOf = (items: Schema): SchemaObject => ({ type: 'array', items });
const stringMap: SchemaObject = { type: 'object', additionalProperties: str };

/** An object whose properties are all required but the `optional` ones. */
function object(properties: Record<string, Schema>, optional: readonly string[] = [], description?: string): SchemaObject {
  return {
    type: 'object',
    ...(description ? { description } : {}),
    properties,
    required: Object.keys(properties).filter((name) => !optional.includes(name)),
  };
}

const ref = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });

const counted = object({ key: str, count: int });

const platform = object({ os: str, architecture: str, variant: str, digest: str, size: int }, ['variant', 'digest', 'size']);

const contentSummary = object({ digest: str, mediaType: str, size: int });

const repositoryCounters = object(
  { name: str, pulls: nullable(int), pushes: nullable(int), lastPulledAt: nullable(dateTime), lastPushedAt: nullable(dateTime) },
  [],
  'Counter fields are null when the API has no database section (counters: false): unknown, not zero.',
);

export const API_SCHEMAS = {
  ApiError: object(
    { statusCode: int, error: str, code: str, message: str, issues: arrayOf(object({ path: str, message: str })) },
    ['issues'],
    'Every failure: the HTTP status, its reason phrase, a code (the API\'s or the registry\'s OCI code) and what went wrong. A 400 for bad input lists every problem in issues.',
  ),

  RegistryEvent: object(
    {
      id: str,
      timestamp: dateTime,
      action: { type: 'string', enum: Object.values(EventAction) },
      target: object(
        { mediaType: str, size: int, digest: str, length: int, repository: str, fromRepository: str, url: str, tag: str },
        ['mediaType', 'size', 'digest', 'length', 'fromRepository', 'url', 'tag'],
      ),
      request: object({ id: str, addr: str, host: str, method: str, useragent: str }, ['id', 'addr', 'host', 'method', 'useragent']),
      actor: object({ name: str }, ['name']),
      source: object({ addr: str, instanceID: str }, ['addr', 'instanceID']),
      wharf: object(
        { cache: { type: 'string', enum: ['hit', 'fill'] }, upstream: str },
        [],
        'Wharf\'s own, on pulls of a pull-through cache: answered from storage (hit) or from the upstream (fill), and which upstream.',
      ),
    },
    ['wharf'],
    'The registry:2 notification envelope of one event, exactly as the registry emitted it.',
  ),
  EventPage: object({
    events: arrayOf(ref('RegistryEvent')),
    nextCursor: nullable(str, 'Pass as `cursor` for the next page; null on the last page.'),
    total: { ...int, description: 'Events matching the filters, across all pages.' },
  }),
  CountedKey: counted,
  EventAggregations: object({
    total: { ...int, description: 'Events matching every filter.' },
    histogram: object({
      interval: { ...str, description: 'Width of one bucket (1s, 5m, 1h, 1d, 7d …), chosen for at most ~60 buckets.' },
      buckets: arrayOf(object({ start: dateTime, count: int })),
    }),
    topRepositories: { ...arrayOf(ref('CountedKey')), description: `The ${TOP_TERMS} repositories with the most matching events.` },
    topActors: { ...arrayOf(ref('CountedKey')), description: `The ${TOP_TERMS} actors with the most matching events.` },
    actions: { ...arrayOf(ref('CountedKey')), description: 'Events per action, counted with every filter except `action` (facets).' },
  }),

  RepositoryCounters: repositoryCounters,
  RepositoriesPage: object({
    items: arrayOf(ref('RepositoryCounters')),
    nextCursor: nullable(str),
    counters: { ...bool, description: 'true when the counter fields are real; false without a database section (they are null).' },
    sorts: { ...arrayOf(str), description: 'The sort values this API answers (name only without a database).' },
  }),
  RepositoryDetails: object({
    ...repositoryCounters.properties,
    pullsByDigest: nullable(int, 'Downloads by digest that no tag explains.'),
    tagCount: int,
    counters: bool,
  } as Record<string, Schema>),
  Platform: platform,
  ContentSummary: contentSummary,
  TagRow: object(
    {
      tag: str,
      pulls: nullable(int),
      pushes: nullable(int),
      lastPulledDay: nullable(str),
      lastPushedDay: nullable(str),
      digest: nullable(str, 'null once the tag is gone from storage (its counters stay).'),
      mediaType: nullable(str),
      size: nullable(int),
      created: nullable(dateTime),
      platforms: arrayOf(ref('Platform')),
    },
    ['digest', 'mediaType', 'size', 'created', 'platforms'],
  ),
  TagsPage: object({ items: arrayOf(ref('TagRow')), nextCursor: nullable(str), repository: str, counters: bool }),
  ManifestDetails: object(
    {
      repository: str,
      tag: nullable(str, 'null for a manifest by digest.'),
      digest: str,
      mediaType: str,
      size: { ...int, description: 'manifest + config + layers; for an index, the sum of its platforms.' },
      created: nullable(dateTime),
      config: nullable(contentSummary),
      layers: arrayOf(ref('ContentSummary')),
      platforms: arrayOf(ref('Platform')),
      pulls: nullable(int, 'null for a manifest by digest: counters are per tag.'),
      pushes: nullable(int),
      lastPulledDay: nullable(str),
      lastPushedDay: nullable(str),
      pullCommand: str,
      counters: bool,
    },
    ['config'],
  ),

  Leaderboard: object({
    period: str,
    by: { type: 'string', enum: ['repository', 'tag'] },
    since: nullable(str),
    items: arrayOf(object({ rank: int, repository: str, tag: str, pulls: int }, ['tag'])),
  }),

  Session: object({
    authRequired: bool,
    authenticated: bool,
    user: nullable(str),
    role: { type: 'string', enum: ['admin', 'reader'], nullable: true },
  }),
  SignedIn: object({ token: str, expiresAt: dateTime, user: str, role: { type: 'string', enum: ['admin', 'reader'] } }),

  PayloadFormat: { type: 'string', enum: ['deploy', 'distribution', 'cloudevents', 'template'] },
  Subscription: object({
    id: { type: 'string', format: 'uuid' },
    name: str,
    url: str,
    enabled: bool,
    format: ref('PayloadFormat'),
    filters: object({
      actions: { ...arrayOf({ type: 'string', enum: ['push', 'pull', 'mount', 'delete'] }), nullable: true },
      repository: nullable(str),
      tag: nullable(str),
      actor: nullable(str),
      includeBlobs: bool,
    }),
    headers: stringMap,
    template: { ...object({ body: str, contentType: str }), nullable: true },
    secretHint: { ...str, example: '…9f3a' },
    health: object({
      failing: bool,
      consecutiveFailures: int,
      failingSince: nullable(dateTime),
      lastError: nullable(str),
      lastSuccessAt: nullable(dateTime),
      lastFailureAt: nullable(dateTime),
    }),
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
  Subscriptions: object({ items: arrayOf(ref('Subscription')) }),
  Delivery: object(
    {
      id: { type: 'string', format: 'uuid', description: 'The X-Wharf-Delivery header of this attempt' },
      subscriptionId: { type: 'string', format: 'uuid' },
      eventId: str,
      action: { ...str, description: 'push, pull, mount, delete or ping' },
      kind: { type: 'string', enum: ['event', 'ping', 'redelivery'] },
      attempt: int,
      success: bool,
      statusCode: nullable(int),
      latencyMs: nullable(int),
      responseExcerpt: nullable(str, 'First KiB of the response body'),
      error: nullable(str),
      request: object({ url: str, headers: stringMap }),
      redeliveryOf: nullable({ type: 'string', format: 'uuid' }),
      nextAttemptAt: nullable(dateTime),
      deliveredAt: dateTime,
      event: { ...ref('RegistryEvent'), description: 'GET /api/deliveries/:id only: the registry event delivered' } as Schema,
    },
    ['event'],
  ),
  DeliveriesPage: object({ items: arrayOf(ref('Delivery')), nextCursor: nullable(str) }),
  QueuedDelivery: object({ subscriptionId: str, eventId: str, jobId: str, redeliveryOf: str }, ['redeliveryOf']),

  QueueHealth: object(
    {
      name: str,
      kind: { type: 'string', enum: ['internal', 'endpoint'] },
      counts: object({ waiting: int, active: int, delayed: int, failed: int, completed: int, prioritized: int }),
      oldestWaitingAgeMs: nullable(int),
      latencyMs: object({ p50: nullable(int), p99: nullable(int), samples: int }),
      consumers: object({ workers: int, paused: bool, consuming: bool }),
      endpoint: object({
        name: str,
        url: str,
        threshold: int,
        backoffMs: int,
        consecutiveFailures: int,
        lastFailureAt: nullable(dateTime),
        backingOff: bool,
        backingOffUntil: nullable(dateTime),
      }),
    },
    ['endpoint'],
  ),
  QueuesHealth: object({ queues: arrayOf(ref('QueueHealth')) }),

  Mirror: object(
    {
      upstream: { ...str, description: 'The registry host (mirrors), or the host of proxy.remoteurl.' },
      remoteUrl: { ...str, description: 'Without credentials.' },
      ttlSeconds: { ...int, description: 'Cached content is dropped this long after it was fetched; 0 keeps it.' },
      hits: { ...int, description: 'Requests answered from storage.' },
      fills: { ...int, description: 'Requests answered from the upstream (misses).' },
      hitRate: nullable({ type: 'number' }, 'hits / (hits + fills); null before the first request.'),
      servedBytes: { ...int, description: 'Bytes owed to clients by those requests.' },
      fetchedBytes: { ...int, description: 'Bytes read from the upstream.' },
      errors: { ...int, description: 'Failed upstream requests (a 404 is no failure).' },
      lastFailureAt: nullable(dateTime),
      lastFailure: nullable(str),
    },
    [],
    'One upstream of the pull-through cache: totals of every registry replica, kept in Redis (zero without a redis section).',
  ),
  Mirrors: object({ mode: { type: 'string', enum: ['proxy', 'mirrors'] }, mirrors: arrayOf(ref('Mirror')) }),
} satisfies Record<string, SchemaObject>;

export type ApiSchemaName = keyof typeof API_SCHEMAS;

/** A reference to one of API_SCHEMAS, for @ApiOkResponse({ schema }) and friends. */
export function schemaRef(name: ApiSchemaName): { $ref: string } {
  return ref(name);
}
