/** What the activity page shows while the first results load. */
export function ActivitySkeleton() {
  return (
    <div aria-busy="true" aria-label="Loading activity">
      <div className="search-bar">
        <input type="search" placeholder="Search repositories, tags, digests, actors, addresses…" disabled aria-label="Search events" />
      </div>
      <div className="skeleton block" />
      {Array.from({ length: 8 }, (_, i) => (
        <div key={i} className="skeleton line" />
      ))}
    </div>
  );
}
