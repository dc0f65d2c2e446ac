'use client';

import Link from 'next/link';
import { useActionState, useState } from 'react';
import { EVENT_ACTIONS } from './activity-query';
import { PAYLOAD_FORMATS, type PayloadFormat, type Subscription } from './api-types';

export interface WebhookFormState {
  error?: string;
  created?: { id: string; name: string; secret: string };
  saved?: boolean;
}

interface Props {
  action: (state: WebhookFormState, form: FormData) => Promise<WebhookFormState>;
  /** The subscription being edited; absent when creating. */
  subscription?: Subscription;
}

const FORMAT_LABELS: Record<PayloadFormat, string> = {
  deploy: 'deploy: compact image payload',
  distribution: 'distribution: the registry:2 envelope',
  cloudevents: 'cloudevents: CloudEvents 1.0 JSON',
  template: 'template: your own body',
};

/** Create or edit a subscription: URL, secret, format, filters. The API validates; its message is shown. */
export function WebhookForm({ action, subscription }: Props) {
  const [state, run, pending] = useActionState(action, {});
  const [format, setFormat] = useState<PayloadFormat>(subscription?.format ?? 'deploy');
  const s = subscription;

  if (state.created) {
    return (
      <div className="panel" role="status" data-testid="webhook-created">
        <p>
          Created <strong>{state.created.name}</strong>. Its signing secret is shown this once; store it where the receiver checks signatures:
        </p>
        <p>
          <code data-testid="webhook-secret">{state.created.secret}</code>
        </p>
        <Link className="button" href={`/webhooks/${state.created.id}`}>
          Open the webhook
        </Link>
      </div>
    );
  }

  return (
    <form action={run} className="form panel" aria-label={s ? 'Edit webhook' : 'New webhook'}>
      <label>
        Name
        <input type="text" name="name" required maxLength={200} defaultValue={s?.name} />
      </label>
      <label>
        URL
        <input type="url" name="url" required placeholder="https://ci.example.com/hooks/deploy" defaultValue={s?.url} />
      </label>
      <label>
        Secret <span className="muted">({s ? `now ${s.secretHint}; leave empty to keep it` : 'at least 16 characters; leave empty to have one generated'})</span>
        <input type="password" name="secret" autoComplete="new-password" minLength={16} />
      </label>
      <label>
        Payload
        <select name="format" value={format} onChange={(e) => setFormat(e.target.value as PayloadFormat)}>
          {PAYLOAD_FORMATS.map((f) => (
            <option key={f} value={f}>
              {FORMAT_LABELS[f]}
            </option>
          ))}
        </select>
      </label>
      {format === 'template' && (
        <>
          <label>
            Body template <span className="muted">({'{{repository}}, {{tag}}, {{digest}}, {{image}} …'})</span>
            <textarea name="templateBody" rows={5} defaultValue={s?.template?.body ?? '{"image": "{{image}}"}'} />
          </label>
          <label>
            Content type
            <input type="text" name="contentType" defaultValue={s?.template?.contentType ?? 'application/json'} />
          </label>
        </>
      )}
      <fieldset>
        <legend>Actions (none ticked: pushes only)</legend>
        {EVENT_ACTIONS.map((a) => (
          <label key={a} className="inline">
            <input type="checkbox" name="actions" value={a} defaultChecked={s?.filters.actions?.includes(a) ?? false} /> {a}
          </label>
        ))}
      </fieldset>
      <div className="form-row">
        <label>
          Repository glob
          <input type="text" name="repository" placeholder="team/** or team/app" defaultValue={s?.filters.repository ?? ''} />
        </label>
        <label>
          Tag glob or /regex/
          <input type="text" name="tag" placeholder="v*" defaultValue={s?.filters.tag ?? ''} />
        </label>
        <label>
          Actor glob
          <input type="text" name="actor" placeholder="ci-*" defaultValue={s?.filters.actor ?? ''} />
        </label>
      </div>
      <label className="inline">
        <input type="checkbox" name="includeBlobs" defaultChecked={s?.filters.includeBlobs ?? false} /> Also deliver blob (layer) events
      </label>
      <label className="inline">
        <input type="checkbox" name="enabled" defaultChecked={s?.enabled ?? true} /> Enabled
      </label>
      {state.error && (
        <p className="error-message" role="alert">
          {state.error}
        </p>
      )}
      {state.saved && !state.error && (
        <p className="muted" role="status">
          Saved.
        </p>
      )}
      <div>
        <button type="submit" className="primary" disabled={pending}>
          {pending ? 'Saving…' : s ? 'Save changes' : 'Create webhook'}
        </button>
      </div>
    </form>
  );
}
