import Link from 'next/link';
import { describeError } from '../../lib/api-error';
import { apiGet } from '../../lib/api.server';
import type { RepositoriesPage } from '../../lib/api-types';
import { CountersNote } from '../../lib/counters-note';
import { ErrorMessage } from '../../lib/error-message';
import { formatCount, formatTime, repositoryHref } from '../../lib/format';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Repositories' };

const SORTS = [
  { value: 'pulls', label: 'Most pulled' },
  { value: 'pushes', label: 'Most pushed' },
  { value: 'lastPulled', label: 'Recently pulled' },
  { value: 'name', label: 'Name' },
] as const;

type SearchParams = Promise<Record<string, string | string[] | undefined>>;
const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value) ?? '';

/**
 * Every repository with its counters; the search and sort are a plain GET form, so the URL holds them.
 * No sort in the URL: the API's default (by downloads, or by name when it has no database). The
 * picker offers only the sorts the API says it answers.
 */
export default async function RepositoriesListPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const q = one(params.q);
  const requested = SORTS.some((s) => s.value === one(params.sort)) ? one(params.sort) : '';
  const cursor = one(params.cursor);
  const query = new URLSearchParams({ size: '50' });
  if (requested) query.set('sort', requested);
  if (q) query.set('q', q);
  if (cursor) query.set('cursor', cursor);

  let page: RepositoriesPage | undefined;
  let error: string | undefined;
  try {
    page = await apiGet<RepositoriesPage>(`/repositories?${query}`);
  } catch (err) {
    error = describeError(err);
  }
  const sorts = page ? SORTS.filter((s) => page.sorts.includes(s.value)) : SORTS;
  const sort = requested || sorts[0]?.value || 'name';
  const next = new URLSearchParams({
    ...(requested ? { sort: requested } : {}),
    ...(q ? { q } : {}),
    ...(page?.nextCursor ? { cursor: page.nextCursor } : {}),
  });

  return (
    <>
      <h1>Repositories</h1>
      <form className="search-bar" role="search" action="/repositories">
        <input type="search" name="q" defaultValue={q} placeholder="Filter by name" aria-label="Filter repositories by name" />
        <select name="sort" defaultValue={sort} aria-label="Sort by" style={{ width: 'auto' }}>
          {sorts.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
        <button type="submit" className="primary">
          Search
        </button>
      </form>
      {error && <ErrorMessage message={error} />}
      {page && !page.counters && <CountersNote />}
      {page && page.items.length === 0 && (
        <p className="empty">{q ? `No repository name contains “${q}”.` : page.counters ? 'No repository has been pushed or pulled yet.' : 'No repository has been pushed yet.'}</p>
      )}
      {page && page.items.length > 0 && (
        <div className="table-wrap">
          <table className="data" aria-label="Repositories">
            <thead>
              <tr>
                <th>Repository</th>
                <th className="num">Pulls</th>
                <th className="num">Pushes</th>
                <th>Last pulled</th>
                <th>Last pushed</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((repo) => (
                <tr key={repo.name} data-repository={repo.name}>
                  <td>
                    <Link href={repositoryHref(repo.name)}>{repo.name}</Link>
                  </td>
                  <td className="num" data-column="pulls">
                    {formatCount(repo.pulls)}
                  </td>
                  <td className="num" data-column="pushes">
                    {formatCount(repo.pushes)}
                  </td>
                  <td>{repo.lastPulledAt ? formatTime(repo.lastPulledAt) : '—'}</td>
                  <td>{repo.lastPushedAt ? formatTime(repo.lastPushedAt) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page?.nextCursor && (
        <div className="more">
          <Link className="button" href={`/repositories?${next}`}>
            Next page
          </Link>
        </div>
      )}
    </>
  );
}
