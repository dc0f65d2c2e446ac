/** Any page's first paint while its data loads (the activity search has its own skeleton). */
export default function Loading() {
  return (
    <div aria-busy="true" aria-label="Loading">
      <div className="skeleton line" style={{ width: '30%', height: '1.6rem' }} />
      {Array.from({ length: 8 }, (_, i) => (
        <div key={i} className="skeleton line" />
      ))}
    </div>
  );
}
