/*
 * The activity search as the URL holds it (so a search can be shared), and the same query as the
 * API's /api/events parameters. Pure: used by the server page, the client view and unit tests.
 */

export const EVENT_ACTIONS = ['push', 'pull', 'mount', 'delete'] as const;
export type EventAction = (typeof EVENT_ACTIONS)[number];

/** Events per page of results. */
export const PAGE_SIZE = 50;

export interface ActivityQuery {
  q: string;
  actions: EventAction[];
  repository: string;
  actor: string;
  /** ISO 8601 instants; empty when open. */
  from: string;
  to: string;
}

export const EMPTY_QUERY: ActivityQuery = { q: '', actions: [], repository: '', actor: '', from: '', to: '' };

type ParamSource = Record<string, string | string[] | undefined> | URLSearchParams;

function values(source: ParamSource, key: string): string[] {
  const raw = source instanceof URLSearchParams ? source.getAll(key) : source[key];
  if (raw === undefined) return [];
  return (Array.isArray(raw) ? raw : [raw]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

function isInstant(text: string): boolean {
  return !Number.isNaN(Date.parse(text));
}

/** Reads a query from URL parameters; values that cannot mean anything are dropped, not passed on. */
export function parseActivityQuery(source: ParamSource): ActivityQuery {
  const first = (key: string) => values(source, key)[0] ?? '';
  const from = first('from');
  const to = first('to');
  return {
    q: (source instanceof URLSearchParams ? source.get('q') : [source.q].flat()[0]) ?? '',
    actions: [...new Set(values(source, 'action'))].filter((a): a is EventAction => (EVENT_ACTIONS as readonly string[]).includes(a)),
    repository: first('repository'),
    actor: first('actor'),
    from: isInstant(from) ? new Date(from).toISOString() : '',
    to: isInstant(to) ? new Date(to).toISOString() : '',
  };
}

/** The query as URL parameters (dashboard URL and API call alike), empty fields left out. */
export function activityParams(query: ActivityQuery): URLSearchParams {
  const params = new URLSearchParams();
  if (query.q.trim() !== '') params.set('q', query.q);
  for (const action of query.actions) params.append('action', action);
  if (query.repository !== '') params.set('repository', query.repository);
  if (query.actor !== '') params.set('actor', query.actor);
  if (query.from !== '') params.set('from', query.from);
  if (query.to !== '') params.set('to', query.to);
  return params;
}

/** Milliseconds in one histogram bucket, from the API's interval ("30s", "5m", "1h", "7d"). */
export function intervalMs(interval: string): number {
  const match = /^(\d+)(ms|s|m|h|d|w)$/.exec(interval);
  if (!match) return 0;
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd' | 'w'];
  return Number(match[1]) * unit;
}
