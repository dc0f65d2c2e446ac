import Link from 'next/link';
import { describeError } from '../../lib/api-error';
import { apiGet } from '../../lib/api.server';
import type { Session, Subscription } from '../../lib/api-types';
import { ErrorMessage } from '../../lib/error-message';
import { formatTime } from '../../lib/format';
import { getSession, isAdmin } from '../../lib/session.server';
import { filtersText, HealthBadge } from '../../lib/webhook-summary';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Webhooks' };

/** Every CI/CD subscription with its health at a glance. */
export default async function WebhooksPage() {
  let items: Subscription[] | undefined;
  let session: Session | undefined;
  let error: string | undefined;
  try {
    [{ items }, session] = await Promise.all([apiGet<{ items: Subscription[] }>('/webhooks'), getSession().catch(() => undefined)]);
  } catch (err) {
    error = describeError(err);
  }
  return (
    <>
      <h1>Webhooks</h1>
      {isAdmin(session) && (
        <p className="toolbar">
          <Link className="button" href="/webhooks/new">
            New webhook
          </Link>
        </p>
      )}
      {error && <ErrorMessage message={error} />}
      {items && items.length === 0 && <p className="empty">No webhooks yet. A webhook calls your CI/CD when an image is pushed.</p>}
      {items && items.length > 0 && (
        <div className="table-wrap">
          <table className="data" aria-label="Webhooks">
            <thead>
              <tr>
                <th>Name</th>
                <th>URL</th>
                <th>Filters</th>
                <th>Payload</th>
                <th>State</th>
                <th>Last success</th>
              </tr>
            </thead>
            <tbody>
              {items.map((hook) => (
                <tr key={hook.id} data-webhook={hook.name}>
                  <td>
                    <Link href={`/webhooks/${hook.id}`}>{hook.name}</Link>
                  </td>
                  <td className="mono excerpt">{hook.url}</td>
                  <td>{filtersText(hook)}</td>
                  <td>{hook.format}</td>
                  <td>
                    <HealthBadge subscription={hook} />
                  </td>
                  <td>{hook.health.lastSuccessAt ? formatTime(hook.health.lastSuccessAt) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
