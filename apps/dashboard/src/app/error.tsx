'use client';

/** Anything a page did not handle itself: a message and a retry, never a stack trace. */
export default function PageError({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="error-message" role="alert">
      <p>This page could not be shown. The API may be unavailable.</p>
      <button type="button" className="secondary" onClick={reset}>
        Try again
      </button>
    </div>
  );
}
