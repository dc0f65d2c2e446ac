import { SignInForm } from '../../lib/sign-in-form';
import { getSession } from '../../lib/session.server';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Sign in' };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** Sign-in with the registry's users (htpasswd), when the API asks for it. */
export default async function SignInPage({ searchParams }: { searchParams: SearchParams }) {
  const next = [(await searchParams).next].flat()[0] ?? '/';
  const session = await getSession().catch(() => undefined);
  return (
    <>
      <h1>Sign in</h1>
      {session && !session.authRequired ? (
        <p className="panel">This registry has no users configured: everyone may use the dashboard without signing in.</p>
      ) : (
        <>
          {session?.authenticated && (
            <p className="muted">
              Signed in as {session.user} ({session.role}). Sign in again to switch users.
            </p>
          )}
          <SignInForm next={next} />
        </>
      )}
    </>
  );
}
