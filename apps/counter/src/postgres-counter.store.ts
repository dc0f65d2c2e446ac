import type { DataSource, EntityManager } from 'typeorm';
import { CounterDeltas } from './counter-deltas.js';
import type { CounterStore } from './counter.store.js';
import type { CountableRequest } from './download-rule.js';
import { RequestSettler } from './request-settler.js';

/**
 * The counters in PostgreSQL (tables: libs/db/src/counters). One transaction per batch:
 * record the event ids (ON CONFLICT DO NOTHING), apply the download rule to the new ones only,
 * then upsert the totals. Per (repository, client) an advisory lock serializes the rule across
 * counter processes, so an index pull and its platform pull handled at the same time by two
 * workers still settle to one download.
 */
export class PostgresCounterStore implements CounterStore {
  constructor(private readonly dataSource: DataSource) {}

  async record(requests: readonly CountableRequest[]): Promise<void> {
    const unique = [...new Map(requests.map((r) => [r.eventId, r])).values()];
    if (unique.length === 0) return;
    await this.dataSource.transaction(async (tx) => {
      const firstAt = new Map<string, CountableRequest>();
      for (const r of unique) {
        const key = RequestSettler.key(r);
        const first = firstAt.get(key);
        if (first === undefined || r.occurredAt < first.occurredAt) firstAt.set(key, r);
      }
      const keys = [...firstAt.keys()].sort();
      await tx.query(
        `SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM (SELECT DISTINCT k FROM unnest($1::text[]) AS k ORDER BY k) AS keys`,
        [keys],
      );
      // under the locks, before inserting: which clients have requests at or after this batch's
      // first one already (they arrived out of order, so the rule must look back at them)
      const earlier: { repository: string; client: string }[] = await tx.query(
        `SELECT k.repository, k.client FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS k(repository, client, first_at)
         WHERE EXISTS (SELECT 1 FROM counter_processed_event e
                       WHERE e.repository = k.repository AND e.client = k.client AND e.action = 'pull' AND e.occurred_at >= k.first_at)`,
        [keys.map((k) => firstAt.get(k)!.repository), keys.map((k) => firstAt.get(k)!.client), keys.map((k) => firstAt.get(k)!.occurredAt.toISOString())],
      );
      const inserted: { event_id: string }[] = await tx.query(
        `INSERT INTO counter_processed_event (event_id, action, repository, client, kind, method, digest, tag, occurred_at, day, state)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::date[], $11::text[])
           AS e(event_id, action, repository, client, kind, method, digest, tag, occurred_at, day, state)
         ON CONFLICT (event_id) DO NOTHING
         RETURNING event_id`,
        [
          unique.map((r) => r.eventId),
          unique.map((r) => r.action),
          unique.map((r) => r.repository),
          unique.map((r) => r.client),
          unique.map((r) => r.kind),
          unique.map((r) => r.method),
          unique.map((r) => r.digest),
          unique.map((r) => r.tag),
          unique.map((r) => r.occurredAt.toISOString()),
          unique.map((r) => r.day),
          unique.map((r) => (r.kind === 'blob' ? 'blob' : r.hint ? 'hint' : 'pending')),
        ],
      );
      if (inserted.length === 0) return;
      const fresh = new Set(inserted.map((row) => row.event_id));
      const deltas = new CounterDeltas();
      const settler = new RequestSettler(tx, deltas, new Set(earlier.map((row) => RequestSettler.key(row))));
      const ordered = unique
        .filter((r) => fresh.has(r.eventId))
        .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || (a.eventId < b.eventId ? -1 : 1));
      for (const request of ordered) if (request.kind !== 'blob') await settler.settle(request);
      await settler.settleBlobs(ordered.filter((r) => r.kind === 'blob'));
      await this.applyDeltas(tx, deltas);
    });
  }

  async forgetProcessedBefore(before: Date, transientBefore: Date = before): Promise<number> {
    let total = 0;
    // in slices, so pruning a large backlog never holds long locks
    for (;;) {
      // TypeORM answers a DELETE with [rows, affected]
      const [, affected]: [unknown[], number] = await this.dataSource.query(
        `DELETE FROM counter_processed_event WHERE event_id IN (
           SELECT event_id FROM counter_processed_event
           WHERE processed_at < $1 OR (state IN ('blob', 'hint') AND processed_at < $2) LIMIT 5000)`,
        [before.toISOString(), transientBefore.toISOString()],
      );
      total += affected;
      if (affected < 5000) return total;
    }
  }

  private async applyDeltas(tx: EntityManager, deltas: CounterDeltas): Promise<void> {
    const repos = deltas.sortedRepositories();
    if (repos.length > 0) {
      await tx.query(
        `INSERT INTO counter_repository AS c (repository, pulls, pushes, last_pulled_at, last_pushed_at)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::timestamptz[])
         ON CONFLICT (repository) DO UPDATE SET
           pulls = c.pulls + EXCLUDED.pulls,
           pushes = c.pushes + EXCLUDED.pushes,
           last_pulled_at = GREATEST(c.last_pulled_at, EXCLUDED.last_pulled_at),
           last_pushed_at = GREATEST(c.last_pushed_at, EXCLUDED.last_pushed_at)`,
        [
          repos.map(([name]) => name),
          repos.map(([, t]) => t.pulls),
          repos.map(([, t]) => t.pushes),
          repos.map(([, t]) => t.lastPulledAt?.toISOString() ?? null),
          repos.map(([, t]) => t.lastPushedAt?.toISOString() ?? null),
        ],
      );
    }
    const days = deltas.sortedTagDays();
    if (days.length > 0) {
      await tx.query(
        `INSERT INTO counter_tag_day AS c (repository, tag, day, pulls, pushes)
         SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::bigint[], $5::bigint[])
         ON CONFLICT (repository, tag, day) DO UPDATE SET
           pulls = c.pulls + EXCLUDED.pulls,
           pushes = c.pushes + EXCLUDED.pushes`,
        [days.map((d) => d.repository), days.map((d) => d.tag), days.map((d) => d.day), days.map((d) => d.pulls), days.map((d) => d.pushes)],
      );
    }
  }
}
