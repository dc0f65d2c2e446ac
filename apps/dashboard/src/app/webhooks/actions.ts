'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { describeError } from '../../lib/api-error';
import { apiSend } from '../../lib/api.server';
import type { Subscription } from '../../lib/api-types';
import type { WebhookFormState } from '../../lib/webhook-form';

const text = (form: FormData, key: string) => String(form.get(key) ?? '').trim();
const orNull = (value: string) => (value === '' ? null : value);

/** The form's fields as the API's subscription body; an empty secret means "generate" (create) or "keep" (edit). */
function bodyOf(form: FormData, editing: boolean): Record<string, unknown> {
  const actions = form.getAll('actions').map(String);
  const format = text(form, 'format') || 'deploy';
  const body: Record<string, unknown> = {
    name: text(form, 'name'),
    url: text(form, 'url'),
    format,
    enabled: form.get('enabled') === 'on',
    filters: {
      ...(actions.length > 0 ? { actions } : {}),
      repository: orNull(text(form, 'repository')),
      tag: orNull(text(form, 'tag')),
      actor: orNull(text(form, 'actor')),
      includeBlobs: form.get('includeBlobs') === 'on',
    },
  };
  const secret = text(form, 'secret');
  if (secret !== '') body['secret'] = secret;
  if (format === 'template') body['template'] = { body: String(form.get('templateBody') ?? ''), contentType: text(form, 'contentType') || 'application/json' };
  else if (editing) body['template'] = null;
  return body;
}

export async function createWebhook(_state: WebhookFormState, form: FormData): Promise<WebhookFormState> {
  try {
    const created = await apiSend<Subscription & { secret: string }>('POST', '/webhooks', bodyOf(form, false));
    return { created: { id: created.id, name: created.name, secret: created.secret } };
  } catch (error) {
    return { error: describeError(error) };
  }
}

export async function updateWebhook(id: string, _state: WebhookFormState, form: FormData): Promise<WebhookFormState> {
  try {
    await apiSend('PATCH', `/webhooks/${encodeURIComponent(id)}`, bodyOf(form, true));
    revalidatePath(`/webhooks/${id}`);
    return { saved: true };
  } catch (error) {
    return { error: describeError(error) };
  }
}

export interface SimpleState {
  error?: string;
  done?: string;
}

export async function setWebhookEnabled(id: string, enabled: boolean, _state: SimpleState): Promise<SimpleState> {
  try {
    await apiSend('PATCH', `/webhooks/${encodeURIComponent(id)}`, { enabled });
    revalidatePath(`/webhooks/${id}`);
    return { done: enabled ? 'Enabled.' : 'Disabled.' };
  } catch (error) {
    return { error: describeError(error) };
  }
}

export async function pingWebhook(id: string, _state: SimpleState): Promise<SimpleState> {
  try {
    await apiSend('POST', `/webhooks/${encodeURIComponent(id)}/ping`);
    return { done: 'Ping sent; it shows in the delivery log once delivered.' };
  } catch (error) {
    return { error: describeError(error) };
  }
}

export async function redeliver(deliveryId: string, _state: SimpleState): Promise<SimpleState> {
  try {
    await apiSend('POST', `/deliveries/${encodeURIComponent(deliveryId)}/redeliver`);
    return { done: 'Queued again.' };
  } catch (error) {
    return { error: describeError(error) };
  }
}

export async function deleteWebhook(id: string, _state: SimpleState): Promise<SimpleState> {
  try {
    await apiSend('DELETE', `/webhooks/${encodeURIComponent(id)}`);
  } catch (error) {
    return { error: describeError(error) };
  }
  redirect('/webhooks');
}
