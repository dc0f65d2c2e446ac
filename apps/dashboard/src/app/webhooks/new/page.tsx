import Link from 'next/link';
import { WebhookForm } from '../../../lib/webhook-form';
import { createWebhook } from '../actions';

export const metadata = { title: 'New webhook' };

export default function NewWebhookPage() {
  return (
    <>
      <p className="muted">
        <Link href="/webhooks">Webhooks</Link> /
      </p>
      <h1>New webhook</h1>
      <WebhookForm action={createWebhook} />
    </>
  );
}
