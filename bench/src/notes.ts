import type { Results, Session } from './report.js';

/** Wharf must stream a large layer without buffering it: a design goal, reported, not a pass/fail gate. */
const streamingRssLimitMiB = 256;

/** Other processes using more than this share of a core during a session make its figures suspect. */
export const busyMachineCores = 0.15;

/** The sentences under the table: what a reader must know before trusting or acting on the figures. */
export function reportNotes(results: Results, sessions: readonly Session[]): string[] {
  return [streamingNote(results), processNote(sessions), loadNote(sessions)].filter((note) => note !== undefined);
}

function streamingNote(results: Results): string | undefined {
  const peaks = ['rss.push.large', 'rss.pull.large']
    .map((key) => results.figure(key))
    .filter((figure) => figure !== undefined);
  if (peaks.length === 0) return undefined;
  const worst = Math.max(...peaks.map((figure) => figure.wharf.value));
  const verdict = worst < streamingRssLimitMiB ? 'within' : 'OVER';
  return `Wharf peak RSS while streaming the large layer: ${worst.toFixed(0)} MiB — ${verdict} the ${streamingRssLimitMiB} MiB limit.`;
}

function processNote(sessions: readonly Session[]): string | undefined {
  const most = (side: Session['side']): number =>
    Math.max(0, ...sessions.filter((s) => s.side === side).map((s) => s.processes));
  const many = (['reference', 'wharf'] as const).filter((side) => most(side) > 1);
  if (many.length === 0) return undefined;
  return (
    `RSS figures are sums over each server's process tree: ` +
    `${many.map((side) => `${side} ran as up to ${most(side)} processes`).join(', ')}.`
  );
}

function loadNote(sessions: readonly Session[]): string | undefined {
  const busy = sessions.filter((s) => s.foreignCores > busyMachineCores);
  if (busy.length === 0) return undefined;
  const worst = Math.max(...busy.map((s) => s.foreignCores));
  return (
    `Machine not quiet: in ${busy.length} of ${sessions.length} sessions other processes used more than ` +
    `${busyMachineCores} of a core (worst ${worst.toFixed(2)} cores; per session in latest.json). ` +
    `Re-run before acting on small differences.`
  );
}
