import { Suspense } from 'react';
import { activityParams, PAGE_SIZE, parseActivityQuery, type ActivityQuery } from '../lib/activity-query';
import { ActivitySkeleton } from '../lib/activity-skeleton';
import { ActivityView } from '../lib/activity-view';
import { describeError } from '../lib/api-error';
import { apiGet } from '../lib/api.server';
import type { EventAggregations, EventPage } from '../lib/api-types';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Activity' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** Activity search: the first page of results and the facets are rendered on the server. */
export default async function ActivityPage({ searchParams }: { searchParams: SearchParams }) {
  const query = parseActivityQuery(await searchParams);
  return (
    <>
      <h1>Activity</h1>
      <Suspense key={activityParams(query).toString()} fallback={<ActivitySkeleton />}>
        <ActivityResults query={query} />
      </Suspense>
    </>
  );
}

async function ActivityResults({ query }: { query: ActivityQuery }) {
  const params = activityParams(query);
  try {
    const [page, aggregations] = await Promise.all([
      apiGet<EventPage>(`/events?${params}${params.size ? '&' : ''}size=${PAGE_SIZE}`),
      apiGet<EventAggregations>(`/events/aggregations?${params}`),
    ]);
    return <ActivityView initialQuery={query} initialPage={page} initialAggregations={aggregations} />;
  } catch (error) {
    return <ActivityView initialQuery={query} initialError={describeError(error)} />;
  }
}
