import Link from 'next/link';
import { SIGN_IN_NEEDED } from './api-error';

/** An API failure shown as a message, never a stack trace; a missing sign-in links to the form. */
export function ErrorMessage({ message }: { message: string }) {
  return (
    <p className="error-message" role="alert">
      {message}
      {message === SIGN_IN_NEEDED && (
        <>
          {' '}
          <Link href="/sign-in">Sign in</Link>
        </>
      )}
    </p>
  );
}
