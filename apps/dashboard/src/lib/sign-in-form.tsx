'use client';

import { useActionState } from 'react';
import { signIn, type SignInState } from '../app/sign-in/actions';

export function SignInForm({ next }: { next: string }) {
  const [state, run, pending] = useActionState<SignInState, FormData>(signIn, {});
  return (
    <form action={run} className="form panel" aria-label="Sign in" style={{ maxWidth: 420 }}>
      <input type="hidden" name="next" value={next} />
      <label>
        User name
        <input type="text" name="username" autoComplete="username" required autoFocus />
      </label>
      <label>
        Password
        <input type="password" name="password" autoComplete="current-password" required />
      </label>
      {state.error && (
        <p className="error-message" role="alert">
          {state.error}
        </p>
      )}
      <div>
        <button type="submit" className="primary" disabled={pending}>
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
      </div>
    </form>
  );
}
