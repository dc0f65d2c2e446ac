/** Shown where the API answered from storage alone (`counters: false`): why the counts are dashes. */
export function CountersNote() {
  return (
    <p className="muted" data-testid="counters-note">
      Download counts need the database: this registry has no <code>database</code> section, so pulls and pushes show as —.
    </p>
  );
}
