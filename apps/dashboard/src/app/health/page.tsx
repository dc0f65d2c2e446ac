import Link from 'next/link';
import { describeError } from '../../lib/api-error';
import { apiGet } from '../../lib/api.server';
import type { QueueHealth, Subscription } from '../../lib/api-types';
import { AutoRefresh } from '../../lib/auto-refresh';
import { ErrorMessage } from '../../lib/error-message';
import { formatCount, formatTime } from '../../lib/format';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Health' };

type Verdict = { text: string; tone: 'ok' | 'warn' | 'bad' };

/** One word per queue so an operator sees at a glance whether notifications flow. */
function verdict(queue: QueueHealth): Verdict {
  if (queue.endpoint?.backingOff) return { text: 'backing off', tone: 'bad' };
  if (queue.consumers && !queue.consumers.consuming) {
    return { text: queue.consumers.paused ? 'paused' : 'no consumer', tone: queue.counts.waiting > 0 ? 'bad' : 'warn' };
  }
  if (queue.counts.failed > 0) return { text: 'dead letters', tone: 'warn' };
  return { text: 'flowing', tone: 'ok' };
}

function age(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** Queue depth, failures and consumers per worker and endpoint queue, and failing webhooks. */
export default async function HealthPage() {
  const [queues, hooks] = await Promise.allSettled([apiGet<{ queues: QueueHealth[] }>('/queues'), apiGet<{ items: Subscription[] }>('/webhooks')]);
  const failing = hooks.status === 'fulfilled' ? hooks.value.items.filter((h) => h.enabled && h.health.failing) : [];
  return (
    <>
      <AutoRefresh ms={5_000} />
      <h1>Health</h1>
      <h2>Queues</h2>
      {queues.status === 'rejected' && <ErrorMessage message={describeError(queues.reason)} />}
      {queues.status === 'fulfilled' && queues.value.queues.length === 0 && <p className="empty">No queues are configured.</p>}
      {queues.status === 'fulfilled' && queues.value.queues.length > 0 && (
        <div className="table-wrap">
          <table className="data" aria-label="Queues">
            <thead>
              <tr>
                <th>Queue</th>
                <th>State</th>
                <th className="num">Waiting</th>
                <th className="num">Active</th>
                <th className="num">Delayed</th>
                <th className="num">Dead letters</th>
                <th className="num">Oldest waiting</th>
                <th className="num">Latency p50 / p99</th>
                <th className="num">Workers</th>
                <th>Endpoint</th>
              </tr>
            </thead>
            <tbody>
              {queues.value.queues.map((q) => {
                const v = verdict(q);
                return (
                  <tr key={q.name} data-queue={q.name}>
                    <td>
                      <code>{q.name}</code> <span className="muted">{q.kind === 'endpoint' ? 'endpoint' : 'worker'}</span>
                    </td>
                    <td className={`status-${v.tone}`} data-column="state">
                      {v.text}
                    </td>
                    <td className="num" data-column="waiting">
                      {formatCount(q.counts.waiting)}
                    </td>
                    <td className="num">{formatCount(q.counts.active)}</td>
                    <td className="num">{formatCount(q.counts.delayed)}</td>
                    <td className="num" data-column="failed">
                      {formatCount(q.counts.failed)}
                    </td>
                    <td className="num">{age(q.oldestWaitingAgeMs)}</td>
                    <td className="num">
                      {age(q.latencyMs.p50)} / {age(q.latencyMs.p99)}
                    </td>
                    <td className="num" data-column="workers">
                      {q.consumers ? `${q.consumers.workers}${q.consumers.paused ? ' (paused)' : ''}` : '—'}
                    </td>
                    <td>
                      {q.endpoint ? (
                        <>
                          <span className="mono">{q.endpoint.url}</span>
                          {q.endpoint.consecutiveFailures > 0 && (
                            <div className="inline-error">
                              {q.endpoint.consecutiveFailures} failures in a row
                              {q.endpoint.backingOffUntil && `, retrying after ${formatTime(q.endpoint.backingOffUntil)}`}
                            </div>
                          )}
                        </>
                      ) : (
                        '—'
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <h2>Webhooks</h2>
      {hooks.status === 'rejected' && <ErrorMessage message={describeError(hooks.reason)} />}
      {hooks.status === 'fulfilled' &&
        (failing.length === 0 ? (
          <p className="status-ok" data-testid="webhooks-health">
            {hooks.value.items.length === 0 ? 'No webhooks configured.' : "No enabled webhook is failing."}
          </p>
        ) : (
          <ul data-testid="webhooks-health">
            {failing.map((h) => (
              <li key={h.id} className="status-bad">
                <Link href={`/webhooks/${h.id}`}>{h.name}</Link>: {h.health.consecutiveFailures} failures in a row
                {h.health.lastError ? ` (${h.health.lastError})` : ''}
              </li>
            ))}
          </ul>
        ))}
    </>
  );
}
