'use server';

import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { ApiError, describeError } from '../../lib/api-error';
import { apiSend } from '../../lib/api.server';
import { SESSION_COOKIE } from '../../lib/session-cookie';

export interface SignInState {
  error?: string;
}

/** Only paths of this dashboard: a `next` parameter never sends a signed-in user elsewhere. */
function safeNext(value: FormDataEntryValue | null): string {
  const next = typeof value === 'string' ? value : '';
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

/** Signs in against POST /api/session; the token goes into an httpOnly cookie, never to page scripts. */
export async function signIn(_state: SignInState, form: FormData): Promise<SignInState> {
  const username = String(form.get('username') ?? '');
  const password = String(form.get('password') ?? '');
  let session: { token: string; expiresAt: string };
  try {
    session = await apiSend<{ token: string; expiresAt: string }>('POST', '/session', { username, password });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return { error: 'Wrong user name or password.' };
    if (error instanceof ApiError && error.status === 429) {
      // the API says "too many failed sign-ins: try again in N s"; keep only the wait
      const wait = /try again in \d+ s/.exec(error.message)?.[0];
      return { error: wait === undefined ? 'Too many failed sign-ins.' : `Too many failed sign-ins. Please ${wait}.` };
    }
    return { error: describeError(error) };
  }
  (await cookies()).set(SESSION_COOKIE, session.token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    expires: new Date(session.expiresAt),
  });
  redirect(safeNext(form.get('next')));
}

/** Revokes the token at the API and forgets it here. */
export async function signOut(): Promise<void> {
  try {
    await apiSend('DELETE', '/session');
  } catch {
    // the cookie goes regardless: a token the API no longer knows is useless anyway
  }
  (await cookies()).delete(SESSION_COOKIE);
  redirect('/sign-in');
}
