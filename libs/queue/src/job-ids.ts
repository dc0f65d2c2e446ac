import { eventJobId } from '@wharf/events';

/**
 * The BullMQ job id of an event for one consumer: `eventJobId(id, consumer)`, the idempotency key
 * shared with libs/events.
 *
 * Redelivered and replayed copies get a suffix: they must not collide with the original job, which
 * may still be kept (completed or failed) under the plain id and would swallow the new add.
 */
export function queueJobId(eventId: string, consumer: string, suffix?: string): string {
  const id = eventJobId(eventId, consumer);
  return suffix === undefined ? id : `${id}.${suffix}`;
}
