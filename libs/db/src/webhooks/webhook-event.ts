import { randomUUID } from 'node:crypto';
import type { EventAction, RegistryEvent } from '@wharf/events';

/** Action of the test event `POST /api/webhooks/:id/ping` sends. */
export const PING_ACTION = 'ping';

/** What a delivery carries: a registry event, or a ping shaped like one. */
export type WebhookEvent = Omit<RegistryEvent, 'action'> & { action: EventAction | typeof PING_ACTION };

/** registry:2 marks every blob event (layer push, pull, mount) with this media type. */
const BLOB_MEDIA_TYPE = 'application/octet-stream';

const INDEX_MEDIA_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

/**
 * A ping is a registry-shaped event so every payload format and template renders it as it would
 * a push, with values that are obviously not an image (repository `wharf/ping`, no digest), so a
 * deploy hook that receives one has nothing real to deploy.
 */
export function pingEvent(actor: string | undefined, source: { addr: string; instanceID: string }): WebhookEvent {
  return {
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    action: PING_ACTION,
    target: { repository: 'wharf/ping', tag: 'ping' },
    request: { id: randomUUID(), addr: '', host: '', method: 'POST', useragent: 'wharf' },
    actor: actor === undefined ? {} : { name: actor },
    source,
  };
}

export function isBlobEvent(event: WebhookEvent): boolean {
  return event.target.mediaType === BLOB_MEDIA_TYPE;
}

export function isIndex(mediaType: string | undefined): boolean {
  return mediaType !== undefined && INDEX_MEDIA_TYPES.has(mediaType);
}

/**
 * The registry host clients used: registry:2's `request.host`, else the host of `target.url`.
 * Pings have neither.
 */
export function registryHost(event: WebhookEvent): string {
  if (event.request.host !== '') return event.request.host;
  if (event.target.url === undefined) return '';
  try {
    return new URL(event.target.url).host;
  } catch {
    return '';
  }
}

/** `<host>/<repository>:<tag>@<digest>`, leaving out what the event does not carry. */
export function imageReference(event: WebhookEvent): string {
  const host = registryHost(event);
  let ref = host === '' ? event.target.repository : `${host}/${event.target.repository}`;
  if (event.target.tag !== undefined) ref += `:${event.target.tag}`;
  if (event.target.digest !== undefined) ref += `@${event.target.digest}`;
  return ref;
}

interface PlatformDescriptor {
  platform?: { os?: unknown; architecture?: unknown; variant?: unknown };
}

/**
 * The platforms of an index (`linux/amd64`, `linux/arm/v7`), from the descriptors the event lists
 * in `target.references` (notifications.events.includereferences) when they carry `platform`.
 * Attestation manifests (`unknown/unknown`) are not platforms. Undefined when the event is not an
 * index or does not say: consumers must not read "no platforms" into an absent list.
 */
export function indexPlatforms(event: WebhookEvent): string[] | undefined {
  if (!isIndex(event.target.mediaType) || event.target.references === undefined) return undefined;
  const platforms: string[] = [];
  for (const descriptor of event.target.references as PlatformDescriptor[]) {
    const p = descriptor.platform;
    if (p === undefined || typeof p.os !== 'string' || typeof p.architecture !== 'string') continue;
    if (p.os === 'unknown' && p.architecture === 'unknown') continue;
    const name = [p.os, p.architecture, ...(typeof p.variant === 'string' && p.variant !== '' ? [p.variant] : [])].join('/');
    if (!platforms.includes(name)) platforms.push(name);
  }
  return platforms.length === 0 ? undefined : platforms;
}
