/**
 * The registry:2 notification envelope, field for field, so a listener written
 * for registry:2 works unchanged. `id` is unique per event and is the
 * idempotency key of every consumer downstream.
 */
export const EVENTS_MEDIA_TYPE = 'application/vnd.docker.distribution.events.v1+json';

export enum EventAction {
  Push = 'push',
  Pull = 'pull',
  Mount = 'mount',
  Delete = 'delete',
}

export interface EventTarget {
  mediaType?: string;
  size?: number;
  digest?: string;
  /** Same as size; registry:2 still sends it for old listeners. */
  length?: number;
  repository: string;
  /** The source repository of a mount. */
  fromRepository?: string;
  url?: string;
  tag?: string;
  /** Descriptors a manifest references (notifications.events.includereferences); an index's children keep their platform. */
  references?: { mediaType: string; size: number; digest: string; platform?: { architecture: string; os: string; variant?: string } }[];
}

export interface EventRequest {
  id: string;
  addr: string;
  host: string;
  method: string;
  useragent: string;
}

export interface RegistryEvent {
  id: string;
  /** RFC 3339 with sub-second precision, UTC. */
  timestamp: string;
  action: EventAction;
  target: EventTarget;
  request: EventRequest;
  actor: { name?: string };
  source: { addr: string; instanceID: string };
  /**
   * Wharf's own, on pulls served by a pull-through cache: `hit` (from storage) or `fill` (fetched
   * from the upstream for this request), and which upstream. registry:2 listeners ignore it.
   */
  wharf?: CacheOutcome;
}

export interface CacheOutcome {
  cache: 'hit' | 'fill';
  /** The upstream's label: its registry host (`ghcr.io`), or the proxy's remote URL host. */
  upstream: string;
}

export interface EventEnvelope {
  events: RegistryEvent[];
}
