'use client';

import { useActionState } from 'react';

interface Props {
  label: string;
  pendingLabel?: string;
  className?: string;
  /** Asked before running, for actions that cannot be undone. */
  confirmText?: string;
  action: (state: { error?: string; done?: string }) => Promise<{ error?: string; done?: string }>;
  /** Called after a success, e.g. to refresh a list. */
  onDone?: () => void;
}

/** A button that runs a server action and shows its outcome (the API's message on failure). */
export function ActionButton({ label, pendingLabel, className = 'secondary', confirmText, action, onDone }: Props) {
  const [state, run, pending] = useActionState(async (previous: { error?: string; done?: string }) => {
    const next = await action(previous);
    if (!next.error) onDone?.();
    return next;
  }, {});
  return (
    <form
      action={run}
      onSubmit={(event) => {
        if (confirmText && !window.confirm(confirmText)) event.preventDefault();
      }}
      className="action-button"
    >
      <button type="submit" className={className} disabled={pending}>
        {pending ? (pendingLabel ?? `${label}…`) : label}
      </button>
      {state.error && (
        <span className="inline-error" role="alert">
          {state.error}
        </span>
      )}
      {state.done && !state.error && (
        <span className="muted" role="status">
          {state.done}
        </span>
      )}
    </form>
  );
}
