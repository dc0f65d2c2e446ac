import type { CountableRequest, CountedAction } from './download-rule.js';

interface Totals {
  pulls: number;
  pushes: number;
  lastPulledAt: Date | null;
  lastPushedAt: Date | null;
}

export interface TagDayDelta {
  repository: string;
  tag: string;
  day: string;
  pulls: number;
  pushes: number;
}

/** What one transaction changes in the counters, summed in memory and written once, in key order. */
export class CounterDeltas {
  readonly repositories = new Map<string, Totals>();
  readonly tagDays = new Map<string, TagDayDelta>();

  /** A request of the repository happened at its time (last pulled / pushed). */
  seen(request: Pick<CountableRequest, 'repository' | 'action' | 'occurredAt'>): void {
    const totals = this.totals(request.repository);
    const field = request.action === 'pull' ? 'lastPulledAt' : 'lastPushedAt';
    const last = totals[field];
    if (last === null || last < request.occurredAt) totals[field] = request.occurredAt;
  }

  add(action: CountedAction, repository: string, tag: string, day: string, delta: number): void {
    const totals = this.totals(repository);
    const key = `${repository}\u0000${tag}\u0000${day}`;
    let row = this.tagDays.get(key);
    if (row === undefined) {
      row = { repository, tag, day, pulls: 0, pushes: 0 };
      this.tagDays.set(key, row);
    }
    if (action === 'pull') {
      totals.pulls += delta;
      row.pulls += delta;
    } else {
      totals.pushes += delta;
      row.pushes += delta;
    }
  }

  /** Moves one count of a day from one tag to another. */
  move(action: CountedAction, repository: string, day: string, from: string, to: string): void {
    if (from === to) return;
    this.add(action, repository, from, day, -1);
    this.add(action, repository, to, day, +1);
  }

  /** Repository totals sorted by name. */
  sortedRepositories(): [string, Totals][] {
    return [...this.repositories.entries()].sort(([a], [b]) => compare(a, b));
  }

  /** Non-zero tag/day rows sorted by key. */
  sortedTagDays(): TagDayDelta[] {
    return [...this.tagDays.entries()]
      .filter(([, row]) => row.pulls !== 0 || row.pushes !== 0)
      .sort(([a], [b]) => compare(a, b))
      .map(([, row]) => row);
  }

  private totals(repository: string): Totals {
    let totals = this.repositories.get(repository);
    if (totals === undefined) {
      totals = { pulls: 0, pushes: 0, lastPulledAt: null, lastPushedAt: null };
      this.repositories.set(repository, totals);
    }
    return totals;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
