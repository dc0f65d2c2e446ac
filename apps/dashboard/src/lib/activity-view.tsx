'use client';

import Link from 'next/link';
import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { activityParams, EVENT_ACTIONS, PAGE_SIZE, type ActivityQuery, type EventAction } from './activity-query';
import { ApiError, describeError } from './api-error';
import type { CountedKey, EventAggregations, EventPage, RegistryEvent } from './api-types';
import { ErrorMessage } from './error-message';
import { formatBytes, formatCount, formatTime, repositoryHref, shortDigest } from './format';
import { Histogram } from './histogram';
import { groupPulls, summarizePull } from './pull-operations';

/** How often an open-ended search asks for new events. */
const POLL_MS = 4_000;
/** Pause after the last keystroke before searching as you type. */
const TYPING_MS = 250;

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store', ...(signal ? { signal } : {}) });
  if (!response.ok) throw await ApiError.from(response);
  return (await response.json()) as T;
}

function eventsPath(query: ActivityQuery, cursor?: string): string {
  const params = activityParams(query);
  params.set('size', String(PAGE_SIZE));
  if (cursor) params.set('cursor', cursor);
  return `/api/events?${params}`;
}

interface Props {
  initialQuery: ActivityQuery;
  initialPage?: EventPage;
  initialAggregations?: EventAggregations;
  initialError?: string;
}

/**
 * The interactive part of the activity search: typing, filters, facets, histogram brushing and
 * paging change the query, the URL follows it (shareable), and open-ended searches poll for new events.
 */
export function ActivityView({ initialQuery, initialPage, initialAggregations, initialError }: Props) {
  const [query, setQuery] = useState(initialQuery);
  const [draft, setDraft] = useState(initialQuery.q);
  const [events, setEvents] = useState<RegistryEvent[]>(initialPage?.events ?? []);
  const [nextCursor, setNextCursor] = useState<string | null>(initialPage?.nextCursor ?? null);
  const [total, setTotal] = useState(initialPage?.total ?? 0);
  const [aggregations, setAggregations] = useState<EventAggregations | undefined>(initialAggregations);
  const [error, setError] = useState<string | undefined>(initialError);
  const [loading, setLoading] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const searchBox = useRef<HTMLInputElement>(null);
  const firstRun = useRef(true);
  const inFlight = useRef<AbortController | null>(null);
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);

  const search = useCallback(async (next: ActivityQuery) => {
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    setLoading(true);
    try {
      const [page, aggs] = await Promise.all([
        getJson<EventPage>(eventsPath(next), controller.signal),
        getJson<EventAggregations>(`/api/events/aggregations?${activityParams(next)}`, controller.signal),
      ]);
      setEvents(page.events);
      setNextCursor(page.nextCursor);
      setTotal(page.total);
      setAggregations(aggs);
      setFresh(new Set());
      setError(undefined);
    } catch (err) {
      if (controller.signal.aborted) return;
      setError(describeError(err));
    } finally {
      if (inFlight.current === controller) {
        inFlight.current = null;
        setLoading(false);
      }
    }
  }, []);

  // every change of the query: new results, and the URL follows (replaceState keeps Next's router in sync)
  useEffect(() => {
    if (firstRun.current) {
      firstRun.current = false;
      return;
    }
    const params = activityParams(query).toString();
    window.history.replaceState(null, '', params ? `?${params}` : window.location.pathname);
    void search(query);
  }, [query, search]);

  // search as you type
  useEffect(() => {
    if (draft === query.q) return;
    const timer = setTimeout(() => setQuery((q) => ({ ...q, q: draft })), TYPING_MS);
    return () => clearTimeout(timer);
  }, [draft, query.q]);

  // "/" focuses the search box from anywhere but a text field
  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      const typing = target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.isContentEditable);
      if (event.key === '/' && !typing && !event.metaKey && !event.ctrlKey) {
        event.preventDefault();
        searchBox.current?.focus();
        searchBox.current?.select();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // new events without a reload, while the range is open-ended and the tab visible
  useEffect(() => {
    if (query.to !== '') return;
    const timer = setInterval(async () => {
      if (document.hidden || inFlight.current) return;
      try {
        const [page, aggs] = await Promise.all([
          getJson<EventPage>(eventsPath(query)),
          getJson<EventAggregations>(`/api/events/aggregations?${activityParams(query)}`),
        ]);
        if (inFlight.current) return; // the query changed meanwhile
        setEvents((shown) => {
          const known = new Set(shown.map((e) => e.id));
          const newest = shown[0]?.timestamp ?? '';
          const added = page.events.filter((e) => !known.has(e.id) && e.timestamp >= newest);
          if (added.length === 0) return shown;
          setFresh(new Set(added.map((e) => e.id)));
          return [...added, ...shown];
        });
        setTotal(page.total);
        setAggregations(aggs);
        setError(undefined);
      } catch {
        // a missed poll is retried at the next tick; the shown results stay valid
      }
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [query]);

  const loadMore = async () => {
    if (!nextCursor) return;
    setLoadingMore(true);
    try {
      const page = await getJson<EventPage>(eventsPath(query, nextCursor));
      setEvents((shown) => {
        const known = new Set(shown.map((e) => e.id));
        return [...shown, ...page.events.filter((e) => !known.has(e.id))];
      });
      setNextCursor(page.nextCursor);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setLoadingMore(false);
    }
  };

  const update = (change: Partial<ActivityQuery>) => setQuery((q) => ({ ...q, ...change }));
  const toggleAction = (action: EventAction) =>
    setQuery((q) => ({ ...q, actions: q.actions.includes(action) ? q.actions.filter((a) => a !== action) : [...q.actions, action] }));

  const onSearchKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      if (draft === query.q) void search(query);
      else setQuery((q) => ({ ...q, q: draft }));
    }
  };

  const actionCounts = new Map((aggregations?.actions ?? []).map((c) => [c.key, c.count]));

  return (
    <div data-hydrated={hydrated}>
      <div className="search-bar" role="search">
        <input
          ref={searchBox}
          type="search"
          name="q"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={onSearchKey}
          placeholder="Search repositories, tags, digests, actors, addresses…  (press / to focus)"
          aria-label="Search events"
          autoComplete="off"
        />
      </div>

      <div className="activity">
        <aside className="filters panel" aria-label="Filters">
          <fieldset>
            <legend>Action</legend>
            {EVENT_ACTIONS.map((action) => (
              <label key={action} className="facet">
                <span>
                  <input type="checkbox" name="action" value={action} checked={query.actions.includes(action)} onChange={() => toggleAction(action)} /> {action}
                </span>
                <span className="count" data-facet-action={action}>
                  {formatCount(actionCounts.get(action) ?? 0)}
                </span>
              </label>
            ))}
          </fieldset>
          <TextFilter label="Repository" name="repository" value={query.repository} placeholder="team/app or team/*" onCommit={(repository) => update({ repository })} />
          <Facets title="Top repositories" items={aggregations?.topRepositories ?? []} onPick={(repository) => update({ repository })} />
          <TextFilter label="Actor" name="actor" value={query.actor} placeholder="user name" onCommit={(actor) => update({ actor })} />
          <Facets title="Top actors" items={aggregations?.topActors ?? []} onPick={(actor) => update({ actor })} />
          <TimeFilter label="From (UTC)" name="from" value={query.from} onCommit={(from) => update({ from })} />
          <TimeFilter label="To (UTC)" name="to" value={query.to} onCommit={(to) => update({ to })} />
          {(query.from || query.to) && (
            <button type="button" className="secondary" onClick={() => update({ from: '', to: '' })}>
              Clear time range
            </button>
          )}
        </aside>

        <section aria-label="Results">
          {aggregations && aggregations.histogram.buckets.length > 0 && (
            <Histogram
              buckets={aggregations.histogram.buckets}
              interval={aggregations.histogram.interval}
              from={query.from}
              to={query.to}
              onSelect={(from, to) => update({ from, to })}
            />
          )}
          <div className="summary">
            <span aria-live="polite" data-testid="total">
              {loading ? 'Searching…' : `${formatCount(total)} ${total === 1 ? 'event' : 'events'}`}
            </span>
          </div>
          {error && <ErrorMessage message={error} />}
          {!error && events.length === 0 && !loading && <p className="empty">No events match this search.</p>}
          <ol className="results" aria-busy={loading}>
            {groupPulls(events).map((row) =>
              row.kind === 'event' ? (
                <EventRow key={row.event.id} event={row.event} fresh={fresh.has(row.event.id)} />
              ) : (
                <PullRow key={row.id} events={row.events} fresh={row.events.some((e) => fresh.has(e.id))} />
              ),
            )}
          </ol>
          {nextCursor && (
            <div className="more">
              <button type="button" className="secondary" onClick={loadMore} disabled={loadingMore}>
                {loadingMore ? 'Loading…' : 'Older events'}
              </button>
            </div>
          )}
        </section>
      </div>
    </div>
  );
}

/** One `docker pull`: a summary row that expands into the requests it was made of. */
function PullRow({ events, fresh }: { events: RegistryEvent[]; fresh: boolean }) {
  const newest = events[0]!;
  const s = summarizePull(events);
  const parts = [`${s.manifests} ${s.manifests === 1 ? 'manifest' : 'manifests'}`, `${s.blobs} ${s.blobs === 1 ? 'blob' : 'blobs'}`, formatBytes(s.bytes)];
  if (s.hits + s.fills > 0) parts.push(`cache: ${s.hits} ${s.hits === 1 ? 'hit' : 'hits'}, ${s.fills} ${s.fills === 1 ? 'fill' : 'fills'}`);
  return (
    <li className={`operation${fresh ? ' fresh' : ''}`} data-operation="pull" data-repository={newest.target.repository} data-requests={events.length}>
      <details>
        <summary className="event">
          <time dateTime={newest.timestamp} title={newest.timestamp}>
            {formatTime(newest.timestamp)}
          </time>
          <span className="badge pull">pull</span>
          <span className="what">
            <Link href={repositoryHref(newest.target.repository)}>
              {newest.target.repository}
              {s.tag ? `:${s.tag}` : ''}
            </Link>{' '}
            <span className="muted" data-testid="operation-summary">
              {parts.join(' · ')}
            </span>
          </span>
          <span className="details">
            {[newest.actor.name ? `by ${newest.actor.name}` : 'anonymous', newest.request.addr, newest.request.useragent].filter(Boolean).join(' · ')}
          </span>
        </summary>
        <ol className="results">
          {events.map((event) => (
            <EventRow key={event.id} event={event} fresh={false} />
          ))}
        </ol>
      </details>
    </li>
  );
}

function EventRow({ event, fresh }: { event: RegistryEvent; fresh: boolean }) {
  const { target, request, actor } = event;
  return (
    <li className={`event${fresh ? ' fresh' : ''}`} data-event-id={event.id} data-action={event.action} data-repository={target.repository}>
      <time dateTime={event.timestamp} title={event.timestamp}>
        {formatTime(event.timestamp)}
      </time>
      <span className={`badge ${event.action}`}>{event.action}</span>
      <span className="what">
        <Link href={repositoryHref(target.repository)}>
          {target.repository}
          {target.tag ? `:${target.tag}` : ''}
        </Link>{' '}
        {target.digest && (
          <code className="muted" title={target.digest}>
            {shortDigest(target.digest)}
          </code>
        )}
        {target.fromRepository && <span className="muted"> from {target.fromRepository}</span>}
        {event.wharf && (
          <span className="muted" data-cache={event.wharf.cache}>
            {' '}
            {event.wharf.cache === 'hit' ? 'cache hit' : 'fetched'} · {event.wharf.upstream}
          </span>
        )}
      </span>
      <span className="details">
        {[actor.name ? `by ${actor.name}` : 'anonymous', request.method, request.addr, request.useragent].filter(Boolean).join(' · ')}
      </span>
    </li>
  );
}

function Facets({ title, items, onPick }: { title: string; items: CountedKey[]; onPick: (key: string) => void }) {
  if (items.length === 0) return null;
  return (
    <div>
      <span className="field muted" style={{ fontSize: '0.8rem' }}>
        {title}
      </span>
      {items.slice(0, 8).map((item) => (
        <div key={item.key} className="facet">
          <button type="button" onClick={() => onPick(item.key)} title={`Show only ${item.key}`}>
            {item.key}
          </button>
          <span className="count">{formatCount(item.count)}</span>
        </div>
      ))}
    </div>
  );
}

/** A text filter applied on Enter or when the field loses focus, not on every keystroke. */
function TextFilter(props: { label: string; name: string; value: string; placeholder: string; onCommit: (value: string) => void }) {
  const [value, setValue] = useState(props.value);
  useEffect(() => setValue(props.value), [props.value]);
  const commit = () => {
    if (value.trim() !== props.value) props.onCommit(value.trim());
  };
  return (
    <div>
      <label className="field" htmlFor={`filter-${props.name}`}>
        {props.label}
      </label>
      <input
        id={`filter-${props.name}`}
        type="text"
        name={props.name}
        value={value}
        placeholder={props.placeholder}
        onChange={(e) => setValue(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            commit();
          }
        }}
      />
    </div>
  );
}

/** A UTC date-time filter (datetime-local read as UTC, so server and browser agree). */
function TimeFilter(props: { label: string; name: string; value: string; onCommit: (iso: string) => void }) {
  const local = props.value ? props.value.slice(0, 16) : '';
  return (
    <div>
      <label className="field" htmlFor={`filter-${props.name}`}>
        {props.label}
      </label>
      <input
        id={`filter-${props.name}`}
        type="datetime-local"
        name={props.name}
        value={local}
        onChange={(e) => {
          const text = e.target.value;
          if (text === '') props.onCommit('');
          else if (!Number.isNaN(Date.parse(`${text}:00Z`))) props.onCommit(new Date(`${text}:00Z`).toISOString());
        }}
      />
    </div>
  );
}
