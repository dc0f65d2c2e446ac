import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="empty">
      <h1>Not found</h1>
      <p>
        Nothing here. <Link href="/">Back to the activity search</Link>
      </p>
    </div>
  );
}
