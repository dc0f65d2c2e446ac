/**
 * What grouping reads of an event (api-types' RegistryEvent fits it), plus the pull-through
 * cache's field on pulls (Wharf's own, beside the registry:2 envelope). Declared here so this
 * module stays pure and runs under plain Node for its unit test.
 */
export interface CachedEvent {
  id: string;
  timestamp: string;
  action: string;
  target: { repository: string; mediaType?: string; size?: number; digest?: string; tag?: string; fromRepository?: string };
  request: { addr?: string; method?: string; useragent?: string };
  actor: { name?: string };
  wharf?: { cache: 'hit' | 'fill'; upstream: string };
}

/** registry:2 events give every blob this media type; manifests carry their own. */
const BLOB_MEDIA_TYPE = 'application/octet-stream';

/** Requests of one client this close together belong to one operation (a `docker pull` of one image). */
export const OPERATION_WINDOW_MS = 5_000;

/** One row of the activity list: a single event, or the requests of one pull. */
export type ActivityRow<E extends CachedEvent = CachedEvent> = { kind: 'event'; event: E } | { kind: 'pull'; id: string; events: E[] };

/**
 * Folds a pull into one operation: a manifest pull, then the blobs (and manifests by digest, such as
 * an index's platform manifest) the same client fetched from the same repository, each within a few
 * seconds of the one before. A `docker pull` is then one row, not a row per request; a pull of a
 * tag starts a new operation, and anything else stays a row of its own.
 * Events arrive newest first, and rows and their events keep that order.
 */
export function groupPulls<E extends CachedEvent>(events: readonly E[]): ActivityRow<E>[] {
  const groups: E[][] = [];
  for (const event of [...events].reverse()) {
    const open = groups.at(-1);
    const previous = open?.at(-1);
    if (open && previous && isManifest(open[0]!) && continues(previous, event)) open.push(event);
    else groups.push([event]);
  }
  return groups.reverse().map((group) => {
    const newestFirst = group.reverse();
    return newestFirst.length === 1 ? { kind: 'event', event: newestFirst[0]! } : { kind: 'pull', id: `pull-${group.at(-1)!.id}`, events: newestFirst };
  });
}

function isManifest(event: CachedEvent): boolean {
  return event.action === 'pull' && event.target.mediaType !== BLOB_MEDIA_TYPE;
}

/** `next` is part of the same pull as `previous`: same client, repository and user, soon after, and no new tag. */
function continues(previous: CachedEvent, next: CachedEvent): boolean {
  return (
    next.action === 'pull' &&
    next.target.tag === undefined &&
    next.target.repository === previous.target.repository &&
    clientIp(next.request.addr) === clientIp(previous.request.addr) &&
    (next.actor.name ?? '') === (previous.actor.name ?? '') &&
    Math.abs(Date.parse(next.timestamp) - Date.parse(previous.timestamp)) <= OPERATION_WINDOW_MS
  );
}

/** docker opens several connections for one pull: the client is its address without the port. */
export function clientIp(addr: string | undefined): string {
  if (!addr) return '';
  const bracketed = /^\[([^\]]+)\]/.exec(addr);
  if (bracketed) return bracketed[1]!;
  return (addr.match(/:/g) ?? []).length === 1 ? addr.slice(0, addr.indexOf(':')) : addr;
}

/** What the collapsed row says: the tag pulled, how many manifests and blobs, bytes, and cache outcomes. */
export function summarizePull(events: readonly CachedEvent[]): { tag?: string; manifests: number; blobs: number; bytes: number; hits: number; fills: number } {
  let manifests = 0;
  let blobs = 0;
  let bytes = 0;
  let hits = 0;
  let fills = 0;
  let tag: string | undefined;
  for (const e of events) {
    if (e.target.mediaType === BLOB_MEDIA_TYPE) blobs++;
    else manifests++;
    if (e.request.method !== 'HEAD') bytes += e.target.size ?? 0;
    tag ??= e.target.tag;
    if (e.wharf?.cache === 'hit') hits++;
    if (e.wharf?.cache === 'fill') fills++;
  }
  return { ...(tag === undefined ? {} : { tag }), manifests, blobs, bytes, hits, fills };
}
