import type { NotificationEndpointConfig, WharfConfig } from '@wharf/config';
import { InternalConsumer, endpointQueueName, internalQueueName, type RegistryEvent } from '@wharf/events';
import type { JobsOptions } from 'bullmq';
import { ENDPOINT_JOB_OPTIONS, INTERNAL_JOB_OPTIONS } from './job-options.js';

/** One queue the forwarder feeds: an internal consumer or a registry:2 endpoint. */
export interface QueueRoute {
  /** BullMQ queue name: `events.indexer`, `endpoint.<name>`. */
  readonly name: string;
  /** The consumer part of job ids (`eventJobId(id, consumer)`). */
  readonly consumer: string;
  readonly kind: 'internal' | 'endpoint';
  /** Set for endpoint routes. */
  readonly endpoint?: NotificationEndpointConfig;
  readonly jobOptions: JobsOptions;
  /** False for events the consumer ignores (endpoint filters); such events are never enqueued. */
  accepts(event: RegistryEvent): boolean;
}

/**
 * The queues events go to, from the configuration:
 * - an internal consumer only when the store it writes to is configured (indexer: `elasticsearch`,
 *   counter and deployer: `database`), so a small install that runs no indexer does not pile up a
 *   queue nobody drains;
 * - one queue per `notifications.endpoints[]` entry that is not `disabled`, as registry:2 starts
 *   no sink for a disabled endpoint.
 */
export function queueRoutes(config: Pick<WharfConfig, 'notifications' | 'elasticsearch' | 'database'>): QueueRoute[] {
  const routes: QueueRoute[] = [];
  const internal = (consumer: InternalConsumer): QueueRoute => ({
    name: internalQueueName(consumer),
    consumer,
    kind: 'internal',
    jobOptions: INTERNAL_JOB_OPTIONS,
    accepts: () => true,
  });
  if (config.elasticsearch !== undefined) routes.push(internal(InternalConsumer.Indexer));
  if (config.database !== undefined) {
    routes.push(internal(InternalConsumer.Counter), internal(InternalConsumer.Deployer));
  }
  for (const endpoint of config.notifications.endpoints) {
    if (!endpoint.disabled) routes.push(endpointRoute(endpoint));
  }
  return routes;
}

export function endpointRoute(endpoint: NotificationEndpointConfig): QueueRoute {
  const name = endpointQueueName(endpoint.name);
  return { name, consumer: name, kind: 'endpoint', endpoint, jobOptions: ENDPOINT_JOB_OPTIONS, accepts: endpointFilter(endpoint) };
}

/**
 * registry:2's ignoredSink: an event is dropped when its target media type is in
 * `ignore.mediatypes` or the older `ignoredmediatypes` (the two lists are merged), or its action
 * is in `ignore.actions`. Matching is exact, as registry:2's map lookup is.
 */
export function endpointFilter(endpoint: NotificationEndpointConfig): (event: RegistryEvent) => boolean {
  const mediaTypes = new Set([...endpoint.ignore.mediaTypes, ...endpoint.ignoredMediaTypes]);
  const actions = new Set<string>(endpoint.ignore.actions);
  if (mediaTypes.size === 0 && actions.size === 0) return () => true;
  return (event) => !mediaTypes.has(event.target.mediaType ?? '') && !actions.has(event.action);
}
