/**
 * Queue and job naming shared by the registry (producer) and the workers.
 * Every consumer has its own queue, so a slow or failing consumer never holds
 * back another; job ids are `${eventId}.${consumer}` so re-publishing an event
 * (after a crash, from the spool, or by a replay) never duplicates work. (`.`, not
 * `:`: BullMQ 6 refuses custom job ids containing `:`.)
 */
export enum InternalConsumer {
  Indexer = 'indexer',
  Counter = 'counter',
  Deployer = 'deployer',
}

/** Prefix of every Wharf key in Redis. */
export const QUEUE_PREFIX = 'wharf';

export const EVENT_JOB_NAME = 'registry-event';

export function internalQueueName(consumer: InternalConsumer): string {
  return `events.${consumer}`;
}

/** One queue per `notifications.endpoints[]` entry, as registry:2 keeps one sink per endpoint. */
export function endpointQueueName(endpointName: string): string {
  return `endpoint.${encodeURIComponent(endpointName)}`;
}

export function eventJobId(eventId: string, consumer: string): string {
  return `${eventId}.${consumer}`;
}
