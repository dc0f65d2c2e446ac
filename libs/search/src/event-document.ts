import { isIP } from 'node:net';
import type { RegistryEvent } from '@wharf/events';
import { SearchError } from './search.error.js';

/**
 * One registry event as stored in Elasticsearch: the envelope as received (`event`, returned
 * verbatim by the API so a registry:2 listener's parser reads it unchanged) plus the flat, typed
 * fields the index template maps for filtering, sorting and aggregating.
 */
export interface EventDocument {
  id: string;
  /** As the registry wrote it (RFC 3339, up to nanoseconds); indexed at millisecond precision. */
  timestamp: string;
  action: string;
  repository: string;
  fromRepository?: string;
  tag?: string;
  digest?: string;
  mediaType?: string;
  size?: number;
  url?: string;
  actor?: string;
  /** registry:2's request.addr as sent, usually "ip:port". */
  clientAddr?: string;
  /** The IP part of clientAddr, only when it parses as an address (the `ip` type rejects anything else). */
  clientIp?: string;
  userAgent?: string;
  host?: string;
  method?: string;
  requestId?: string;
  sourceAddr?: string;
  sourceInstance?: string;
  /** Pulls served by the pull-through cache: `hit` or `fill`. */
  cache?: string;
  /** ...and which upstream. */
  upstream?: string;
  event: RegistryEvent;
}

/**
 * Builds the document for an event. Throws SearchError('INVALID_EVENT') for a payload that can never
 * be indexed (no id, no parseable timestamp, no action or repository): retrying would not help.
 */
export function toEventDocument(event: RegistryEvent): EventDocument {
  const problem = whyNotAnEvent(event);
  if (problem !== undefined) throw new SearchError('INVALID_EVENT', problem);
  const { target, request, actor, source } = event;
  const doc: EventDocument = {
    id: event.id,
    timestamp: event.timestamp,
    action: event.action,
    repository: target.repository,
    event,
  };
  setText(doc, 'fromRepository', target.fromRepository);
  setText(doc, 'tag', target.tag);
  setText(doc, 'digest', target.digest);
  setText(doc, 'mediaType', target.mediaType);
  setText(doc, 'url', target.url);
  const size = target.size ?? target.length;
  if (typeof size === 'number' && Number.isFinite(size)) doc.size = size;
  setText(doc, 'actor', actor?.name);
  setText(doc, 'clientAddr', request?.addr);
  const ip = request?.addr === undefined ? undefined : parseClientIp(request.addr);
  if (ip !== undefined) doc.clientIp = ip;
  setText(doc, 'userAgent', request?.useragent);
  setText(doc, 'host', request?.host);
  setText(doc, 'method', request?.method);
  setText(doc, 'requestId', request?.id);
  setText(doc, 'sourceAddr', source?.addr);
  setText(doc, 'sourceInstance', source?.instanceID);
  setText(doc, 'cache', event.wharf?.cache);
  setText(doc, 'upstream', event.wharf?.upstream);
  return doc;
}

/** Epoch milliseconds of the event's timestamp (validated by toEventDocument). */
export function eventTime(doc: Pick<EventDocument, 'timestamp'>): number {
  return Date.parse(doc.timestamp);
}

/**
 * The client IP in registry:2's `request.addr`: "1.2.3.4:5678", "[::1]:5678", a bare address, or a
 * forwarded list whose first entry is the client. Undefined when there is no address in it.
 */
export function parseClientIp(addr: string): string | undefined {
  let host = (addr.split(',')[0] ?? '').trim();
  if (host === '') return undefined;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (bracketed) {
    host = bracketed[1] ?? '';
  } else if (isIP(host) === 0) {
    // "ip:port": only IPv4 has exactly one colon; a bare IPv6 address was accepted by isIP above
    const colon = host.lastIndexOf(':');
    if (colon > 0 && host.indexOf(':') === colon && /^\d+$/.test(host.slice(colon + 1))) host = host.slice(0, colon);
  }
  // a zone ("fe80::1%eth0") means nothing off the host and the ip type refuses it
  const zone = host.indexOf('%');
  if (zone !== -1) host = host.slice(0, zone);
  return isIP(host) === 0 ? undefined : host;
}

function whyNotAnEvent(event: RegistryEvent): string | undefined {
  if (typeof event !== 'object' || event === null) return 'the job data is not an object';
  if (typeof event.id !== 'string' || event.id === '') return 'the event has no id';
  if (typeof event.timestamp !== 'string' || !Number.isFinite(Date.parse(event.timestamp))) {
    return `event ${event.id} has no valid timestamp`;
  }
  if (typeof event.action !== 'string' || (event.action as string) === '') return `event ${event.id} has no action`;
  if (typeof event.target !== 'object' || event.target === null || typeof event.target.repository !== 'string') {
    return `event ${event.id} has no target repository`;
  }
  return undefined;
}

type TextField = { [K in keyof EventDocument]-?: EventDocument[K] extends string | undefined ? K : never }[keyof EventDocument];

function setText(doc: EventDocument, key: TextField, value: unknown): void {
  if (typeof value === 'string' && value !== '') doc[key] = value;
}
