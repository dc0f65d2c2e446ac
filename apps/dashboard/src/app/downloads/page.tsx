import Link from 'next/link';
import { describeError } from '../../lib/api-error';
import { apiGet } from '../../lib/api.server';
import type { Leaderboard } from '../../lib/api-types';
import { ErrorMessage } from '../../lib/error-message';
import { formatCount, repositoryHref } from '../../lib/format';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Downloads' };

const PERIODS = [
  { value: 'day', label: 'Today' },
  { value: 'week', label: '7 days' },
  { value: 'month', label: '30 days' },
  { value: 'all', label: 'All time' },
] as const;
const BY = [
  { value: 'repository', label: 'Repositories' },
  { value: 'tag', label: 'Tags' },
] as const;

type SearchParams = Promise<Record<string, string | string[] | undefined>>;
const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value) ?? '';

/** The most downloaded repositories or tags over a period, with bars to compare them at a glance. */
export default async function DownloadsPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const period = PERIODS.find((p) => p.value === one(params.period))?.value ?? 'week';
  const by = BY.find((b) => b.value === one(params.by))?.value ?? 'repository';
  let board: Leaderboard | undefined;
  let error: string | undefined;
  try {
    board = await apiGet<Leaderboard>(`/downloads/leaderboard?period=${period}&by=${by}&limit=25`);
  } catch (err) {
    error = describeError(err);
  }
  const max = Math.max(1, ...(board?.items.map((i) => i.pulls) ?? []));
  const href = (change: { period?: string; by?: string }) => `/downloads?${new URLSearchParams({ period, by, ...change })}`;

  return (
    <>
      <h1>Downloads</h1>
      <div className="toolbar">
        <nav className="segmented" aria-label="Period">
          {PERIODS.map((p) => (
            <Link key={p.value} href={href({ period: p.value })} aria-current={p.value === period ? 'page' : undefined}>
              {p.label}
            </Link>
          ))}
        </nav>
        <nav className="segmented" aria-label="Rank">
          {BY.map((b) => (
            <Link key={b.value} href={href({ by: b.value })} aria-current={b.value === by ? 'page' : undefined}>
              {b.label}
            </Link>
          ))}
        </nav>
        {board?.since && <span className="muted">since {board.since} (UTC days)</span>}
      </div>
      {error && <ErrorMessage message={error} />}
      {board && board.items.length === 0 && <p className="empty">No downloads in this period.</p>}
      {board && board.items.length > 0 && (
        <div className="table-wrap">
          <table className="data" aria-label="Leaderboard">
            <thead>
              <tr>
                <th className="num">#</th>
                <th>{by === 'tag' ? 'Tag' : 'Repository'}</th>
                <th className="num">Downloads</th>
                <th style={{ width: '40%' }} aria-hidden="true" />
              </tr>
            </thead>
            <tbody>
              {board.items.map((entry) => {
                const label = entry.tag ? `${entry.repository}:${entry.tag}` : entry.repository;
                return (
                  <tr key={label} data-entry={label}>
                    <td className="num">{entry.rank}</td>
                    <td>
                      <Link href={entry.tag ? `${repositoryHref(entry.repository)}?tag=${encodeURIComponent(entry.tag)}` : repositoryHref(entry.repository)}>{label}</Link>
                    </td>
                    <td className="num" data-column="pulls">
                      {formatCount(entry.pulls)}
                    </td>
                    <td aria-hidden="true">
                      <div className="hbar" style={{ width: `${(entry.pulls / max) * 100}%` }} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
