'use client';

import { useCallback, useEffect, useState } from 'react';
import { ActionButton } from './action-button';
import type { Delivery, Page } from './api-types';
import { formatTime } from './format';

const POLL_MS = 3_000;

interface Props {
  subscriptionId: string;
  initial: Page<Delivery>;
  /** Present for admins: the server action that queues a delivery again. */
  redeliver?: ((deliveryId: string, state: { error?: string; done?: string }) => Promise<{ error?: string; done?: string }>) | undefined;
}

/** Delivery attempts, newest first, refreshed every few seconds so a ping or a retry shows up by itself. */
export function DeliveryLog({ subscriptionId, initial, redeliver }: Props) {
  const [page, setPage] = useState(initial);
  const [error, setError] = useState<string | undefined>();

  const refresh = useCallback(async () => {
    try {
      const response = await fetch(`/api/webhooks/${encodeURIComponent(subscriptionId)}/deliveries?size=50`, { cache: 'no-store' });
      if (!response.ok) throw new Error(((await response.json().catch(() => ({}))) as { message?: string }).message ?? `HTTP ${response.status}`);
      setPage((await response.json()) as Page<Delivery>);
      setError(undefined);
    } catch (err) {
      setError(err instanceof Error ? err.message : 'The delivery log could not be read.');
    }
  }, [subscriptionId]);

  useEffect(() => {
    const timer = setInterval(() => {
      if (!document.hidden) void refresh();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  return (
    <>
      {error && (
        <p className="inline-error" role="alert">
          {error}
        </p>
      )}
      {page.items.length === 0 ? (
        <p className="empty">No deliveries yet. Send a test ping, or push a matching image.</p>
      ) : (
        <div className="table-wrap">
          <table className="data" aria-label="Delivery log">
            <thead>
              <tr>
                <th>When</th>
                <th>Kind</th>
                <th>Event</th>
                <th className="num">Attempt</th>
                <th>Status</th>
                <th className="num">Latency</th>
                <th>Response</th>
                {redeliver && <th />}
              </tr>
            </thead>
            <tbody>
              {page.items.map((d) => (
                <tr key={d.id} data-delivery={d.id} data-kind={d.kind} data-success={d.success}>
                  <td>{formatTime(d.deliveredAt)}</td>
                  <td>{d.kind}</td>
                  <td>{d.action}</td>
                  <td className="num">{d.attempt}</td>
                  <td data-column="status" className={d.success ? 'status-ok' : 'status-bad'}>
                    {d.statusCode ?? 'no answer'} {d.success ? 'ok' : 'failed'}
                  </td>
                  <td className="num" data-column="latency">
                    {d.latencyMs === null ? '—' : `${d.latencyMs} ms`}
                  </td>
                  <td className="excerpt" data-column="response">
                    {d.error ? <span className="inline-error">{d.error}</span> : (d.responseExcerpt ?? '')}
                    {d.nextAttemptAt && <div className="muted">next attempt {formatTime(d.nextAttemptAt)}</div>}
                  </td>
                  {redeliver && (
                    <td>
                      <ActionButton label="Redeliver" action={redeliver.bind(null, d.id)} onDone={() => void refresh()} />
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
