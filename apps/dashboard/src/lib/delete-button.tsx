'use client';

import { useActionState } from 'react';

interface Props {
  label: string;
  /** Asked before anything is deleted. */
  confirmText: string;
  action: (state: { error?: string }) => Promise<{ error?: string }>;
}

/** A delete that asks first and shows the API's refusal (403, 404, 405) as a message. */
export function DeleteButton({ label, confirmText, action }: Props) {
  const [state, run, pending] = useActionState(action, {});
  return (
    <form
      action={run}
      onSubmit={(event) => {
        if (!window.confirm(confirmText)) event.preventDefault();
      }}
      style={{ display: 'inline' }}
    >
      <button type="submit" className="danger" disabled={pending}>
        {pending ? 'Deleting…' : label}
      </button>
      {state.error && (
        <span className="error-message" role="alert" style={{ display: 'inline-block', marginLeft: '0.5rem', padding: '0.2rem 0.5rem' }}>
          {state.error}
        </span>
      )}
    </form>
  );
}
