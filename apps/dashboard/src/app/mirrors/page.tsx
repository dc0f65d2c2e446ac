import { describeError } from '../../lib/api-error';
import { apiGet } from '../../lib/api.server';
import type { Mirrors } from '../../lib/api-types';
import { AutoRefresh } from '../../lib/auto-refresh';
import { ErrorMessage } from '../../lib/error-message';
import { formatBytes, formatCount, formatTime } from '../../lib/format';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Mirrors' };

function ttl(seconds: number): string {
  if (seconds === 0) return 'kept';
  return seconds % 3600 === 0 ? `${seconds / 3600} h` : `${Math.round(seconds / 60)} min`;
}

/** Per upstream: how often the cache answered, how many bytes it saved the upstream, and what failed last. */
export default async function MirrorsPage() {
  const result = await apiGet<Mirrors>('/mirrors').then(
    (value) => ({ value }),
    (error: unknown) => ({ error: describeError(error) }),
  );
  return (
    <>
      <AutoRefresh ms={5_000} />
      <h1>Mirrors</h1>
      {'error' in result && <ErrorMessage message={result.error} />}
      {'value' in result && result.value.mirrors.length === 0 && (
        <p className="empty" data-testid="no-mirrors">
          No upstream is configured: add a <code>proxy</code> or <code>mirrors</code> section to cache other registries.
        </p>
      )}
      {'value' in result && result.value.mirrors.length > 0 && (
        <div className="table-wrap">
          <table className="data" aria-label="Mirrors">
            <thead>
              <tr>
                <th>Upstream</th>
                <th className="num">Hit rate</th>
                <th className="num">Hits</th>
                <th className="num">Misses</th>
                <th className="num">Served</th>
                <th className="num">Fetched</th>
                <th className="num">Errors</th>
                <th>Last failure</th>
                <th className="num">TTL</th>
              </tr>
            </thead>
            <tbody>
              {result.value.mirrors.map((m) => (
                <tr key={m.upstream} data-upstream={m.upstream}>
                  <td>
                    <code>{m.upstream}</code> <span className="muted">{m.remoteUrl}</span>
                  </td>
                  <td className="num" data-column="hit-rate">
                    {m.hitRate === null ? '—' : `${Math.round(m.hitRate * 100)}%`}
                  </td>
                  <td className="num" data-column="hits">
                    {formatCount(m.hits)}
                  </td>
                  <td className="num" data-column="fills">
                    {formatCount(m.fills)}
                  </td>
                  <td className="num" data-column="served">
                    {formatBytes(m.servedBytes)}
                  </td>
                  <td className="num" data-column="fetched">
                    {formatBytes(m.fetchedBytes)}
                  </td>
                  <td className={m.errors > 0 ? 'num status-warn' : 'num'} data-column="errors">
                    {formatCount(m.errors)}
                  </td>
                  <td data-column="last-failure">
                    {m.lastFailureAt === null ? (
                      '—'
                    ) : (
                      <>
                        {formatTime(m.lastFailureAt)} <span className="muted">{m.lastFailure}</span>
                      </>
                    )}
                  </td>
                  <td className="num">{ttl(m.ttlSeconds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
