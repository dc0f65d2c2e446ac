import type { CacheOutcome, EventRequest } from '@wharf/events';

/**
 * Who asked, from where, and how to name resources in URLs: what an event
 * needs that a service cannot know. Built per request by the HTTP layer;
 * a service called without one (garbage collection, tools) emits nothing.
 */
export interface EventContext {
  request: EventRequest;
  actor: { name?: string };
  /** Absolute base of API URLs, ending in '/': `https://registry.example.com/` (+ http.prefix). */
  baseUrl: string;
  /** Set by the pull-through cache: its pull events say whether they were a hit or a fill, and of which upstream. */
  cache?: CacheOutcome;
}
