/** An API failure shown as a message, never a stack trace. */
export function ErrorMessage({ message }: { message: string }) {
  return (
    <p className="error-message" role="alert">
      {message}
    </p>
  );
}
