import Link from 'next/link';
import { ActionButton } from '../../../lib/action-button';
import { ApiError, describeError } from '../../../lib/api-error';
import { apiGet } from '../../../lib/api.server';
import type { Delivery, Page, Session, Subscription } from '../../../lib/api-types';
import { DeliveryLog } from '../../../lib/delivery-log';
import { ErrorMessage } from '../../../lib/error-message';
import { getSession, isAdmin } from '../../../lib/session.server';
import { WebhookForm } from '../../../lib/webhook-form';
import { filtersText, HealthBadge } from '../../../lib/webhook-summary';
import { deleteWebhook, pingWebhook, redeliver, setWebhookEnabled, updateWebhook } from '../actions';

export const dynamic = 'force-dynamic';

type Props = { params: Promise<{ id: string }> };

/** One subscription: its state, test ping, enable/disable, edit, delete, and its delivery log. */
export default async function WebhookPage({ params }: Props) {
  const { id } = await params;
  let hook: Subscription | undefined;
  let deliveries: Page<Delivery> | undefined;
  let session: Session | undefined;
  let error: string | undefined;
  try {
    [hook, deliveries, session] = await Promise.all([
      apiGet<Subscription>(`/webhooks/${encodeURIComponent(id)}`),
      apiGet<Page<Delivery>>(`/webhooks/${encodeURIComponent(id)}/deliveries?size=50`),
      getSession().catch(() => undefined),
    ]);
  } catch (err) {
    error = err instanceof ApiError && (err.status === 404 || err.status === 400) ? 'No such webhook.' : describeError(err);
  }
  const admin = isAdmin(session);

  return (
    <>
      <p className="muted">
        <Link href="/webhooks">Webhooks</Link> /
      </p>
      {error && <ErrorMessage message={error} />}
      {hook && deliveries && (
        <>
          <h1>{hook.name}</h1>
          <p>
            <HealthBadge subscription={hook} /> · <span className="mono">{hook.url}</span> · {hook.format} · {filtersText(hook)}
          </p>
          {hook.health.lastError && <p className="inline-error">Last error: {hook.health.lastError}</p>}
          {admin && (
            <div className="toolbar">
              <ActionButton label="Send test ping" pendingLabel="Sending…" className="primary" action={pingWebhook.bind(null, hook.id)} />
              <ActionButton label={hook.enabled ? 'Disable' : 'Enable'} action={setWebhookEnabled.bind(null, hook.id, !hook.enabled)} />
              <ActionButton label="Delete" className="danger" confirmText={`Delete the webhook ${hook.name} and its delivery log?`} action={deleteWebhook.bind(null, hook.id)} />
            </div>
          )}
          <h2>Delivery log</h2>
          <DeliveryLog subscriptionId={hook.id} initial={deliveries} redeliver={admin ? redeliver : undefined} />
          {admin && (
            <details>
              <summary>
                <h2 style={{ display: 'inline' }}>Edit</h2>
              </summary>
              <WebhookForm action={updateWebhook.bind(null, hook.id)} subscription={hook} />
            </details>
          )}
        </>
      )}
    </>
  );
}
