import { EventAction, type RegistryEvent } from '@wharf/events';

/**
 * # What counts as a download (and as a push)
 *
 * One `docker pull` is one download, for a single-platform image and for a multi-platform index
 * alike. Only manifest requests count: blob GETs never do (a pull fetches many blobs, and a client
 * that already has them fetches none).
 *
 * The registry emits one `pull` event per manifest request, by tag (`target.tag` set) or by
 * digest, for GET and, as registry:2 does, for HEAD (request.method "HEAD"). Clients pull in a few
 * shapes: Docker 20.10+ and containerd HEAD the tag, then GET what it resolved to by digest; older
 * Docker GETs the tag; for a multi-platform image either is followed by a GET of the platform's
 * manifest by digest. "The same client" below is request.addr without its port plus
 * request.useragent; "just before" is at most 60 s earlier (event timestamps) in the same
 * repository. Per event:
 *
 * 1. A GET by tag counts one download, for that tag.
 * 2. A GET by digest counts one download unless it continues a pull already counted: the same
 *    client, just before, fetched an index/manifest list (and this is an image manifest: the
 *    platform manifest of that index), or fetched by tag the very digest this is. A download by
 *    digest is counted for the tag a HEAD by the same client resolved to this digest just before,
 *    else under "by digest" (no tag).
 * 3. A HEAD by tag is a download only when a download follows it: with no manifest GET by the
 *    same client just after it (Docker reuses a manifest it still has) but a blob GET, the HEAD
 *    counts one download for its tag. A HEAD followed by nothing is an update check: not a
 *    download (update checkers send them by the thousand). With `counters.counthead: true`
 *    every HEAD by tag counts like a GET by tag, and the GET by digest after it is part of it.
 * 4. Nothing from actors matching `counters.excludeactors` (names or globs: scanners, mirrors,
 *    robot accounts) or user agents matching `counters.excludeuseragents` (regular expressions).
 *
 * Pushes: each manifest push counts one push for its repository (and its tag when tagged), except
 * that an image manifest pushed by digest by the same client at most 60 s before an index push in
 * the same repository is part of that index's push (`docker buildx`, skopeo and crane push the
 * platform manifests by digest, then the index by tag): one multi-platform push is one push.
 *
 * The result does not depend on the order events are processed in (retries and outages reorder
 * them): whichever of two related requests is processed second settles the count, moving it
 * between tags if needed. Per-day figures use the UTC day of the event's timestamp.
 */
export const DOWNLOAD_RULE_WINDOW_MS = 60_000;

const INDEX_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

const IMAGE_MANIFEST_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
]);

export type ManifestKind = 'index' | 'image';
/** Blob GETs are recorded (never counted) only to tell a download from an update check. */
export type RequestKind = ManifestKind | 'blob';
export type CountedAction = 'pull' | 'push';

/** A manifest pull or push that may count, or a blob GET, with what the rule needs to decide. */
export interface CountableRequest {
  eventId: string;
  action: CountedAction;
  repository: string;
  /** Address without port, a space, the user agent. */
  client: string;
  kind: RequestKind;
  method: string;
  digest: string;
  /** '' when addressed by digest. */
  tag: string;
  occurredAt: Date;
  /** UTC day of occurredAt, YYYY-MM-DD. */
  day: string;
  /** A HEAD by tag that does not count (counthead off) but names the tag of the GET by digest that follows. */
  hint: boolean;
}

/** The manifest kind of a media type, or undefined for blobs and anything else. */
export function manifestKind(mediaType: string | undefined): ManifestKind | undefined {
  if (mediaType === undefined) return undefined;
  const bare = mediaType.split(';')[0]!.trim().toLowerCase();
  if (INDEX_MEDIA_TYPES.has(bare)) return 'index';
  if (IMAGE_MANIFEST_MEDIA_TYPES.has(bare)) return 'image';
  return undefined;
}

/** `10.0.0.1:5123` → `10.0.0.1`, `[::1]:5123` → `::1`; an address without port is kept. */
export function addressWithoutPort(addr: string): string {
  const trimmed = addr.trim();
  if (trimmed.startsWith('[')) {
    const end = trimmed.indexOf(']');
    return end === -1 ? trimmed : trimmed.slice(1, end);
  }
  const colons = trimmed.split(':').length - 1;
  return colons === 1 ? trimmed.slice(0, trimmed.indexOf(':')) : trimmed;
}

export function clientKey(event: RegistryEvent): string {
  return `${addressWithoutPort(event.request?.addr ?? '')} ${event.request?.useragent ?? ''}`;
}

/** The action an event counts for, when it is a manifest pull or push. */
export function countedAction(event: RegistryEvent): CountedAction | undefined {
  if (event.action === EventAction.Pull) return 'pull';
  if (event.action === EventAction.Push) return 'push';
  return undefined;
}
