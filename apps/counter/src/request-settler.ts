import type { EntityManager } from 'typeorm';
import type { CounterDeltas } from './counter-deltas.js';
import { DOWNLOAD_RULE_WINDOW_MS, type CountableRequest } from './download-rule.js';

const WINDOW = `interval '${DOWNLOAD_RULE_WINDOW_MS / 1000} seconds'`;

/**
 * Whether request `q` can own by-digest pull `p` (SQL, over two row aliases): the same client in
 * the same repository that asked by tag for the same digest, or fetched an index (p then being
 * an image manifest, the platform's).
 */
const CAN_OWN = (q: string, p: string): string =>
  `${q}.repository = ${p}.repository AND ${q}.client = ${p}.client AND ${q}.action = 'pull' AND ${q}.kind <> 'blob'
   AND ((${q}.tag <> '' AND ${q}.digest = ${p}.digest) OR (${q}.kind = 'index' AND ${p}.kind = 'image'))`;

/**
 * A manifest GET by the client within the window after `from`: counted, part of a counted pull,
 * or about to be settled in this transaction (pending), so the answer does not depend on order.
 */
const MANIFEST_GET_AFTER = (repository: string, client: string, from: string): string =>
  `SELECT 1 FROM counter_processed_event g
   WHERE g.repository = ${repository} AND g.client = ${client} AND g.action = 'pull' AND g.method <> 'HEAD' AND g.kind <> 'blob'
     AND g.state IN ('pending', 'counted', 'absorbed') AND g.occurred_at BETWEEN ${from} AND ${from} + ${WINDOW}`;

/** A later manifest HEAD by the client, after `after` and up to `until`: blobs after it are its own. */
const HEAD_BETWEEN = (repository: string, client: string, after: string, until: string): string =>
  `SELECT 1 FROM counter_processed_event h2
   WHERE h2.repository = ${repository} AND h2.client = ${client} AND h2.action = 'pull' AND h2.method = 'HEAD' AND h2.kind <> 'blob'
     AND h2.occurred_at > ${after} AND h2.occurred_at <= ${until}`;

/** A request as an SQL row `x`, from parameters $1…$7. */
const AS_ROW = `(SELECT $1::text AS repository, $2::text AS client, $3::text AS digest, $4::text AS kind, $5::text AS tag,
  $6::timestamptz AS occurred_at, $7::text AS event_id, 'pull'::text AS action) AS x`;

function rowParams(r: CountableRequest): unknown[] {
  return [r.repository, r.client, r.digest, r.kind, r.tag, r.occurredAt.toISOString(), r.eventId];
}

interface Owner {
  event_id: string;
  state: 'counted' | 'absorbed' | 'hint';
  tag: string;
  absorbed_by: string | null;
}

/**
 * Applies the download rule (download-rule.ts) to one new request inside the counter
 * transaction: decides its own effect and the effect it has on requests settled before it
 * arrived, recording both in the rows (state, counted_tag, absorbed_by) and in the deltas.
 * Requests of a transaction are settled in time order; `pending` rows are the ones still to come.
 */
export class RequestSettler {
  /** Latest time settled so far in this transaction, per client key. */
  private readonly settledUpTo = new Map<string, number>();

  /**
   * @param earlier client keys (`repository\nclient`) with requests settled by earlier
   *   transactions at or after this transaction's first request of that key; for the others,
   *   everything a request could affect is in this transaction, settled after it, so the look-back
   *   queries are skipped (the common case: requests arrive in order).
   */
  constructor(
    private readonly tx: EntityManager,
    private readonly deltas: CounterDeltas,
    private readonly earlier: ReadonlySet<string>,
  ) {}

  static key(r: Pick<CountableRequest, 'repository' | 'client'>): string {
    return `${r.repository}\n${r.client}`;
  }

  async settle(r: CountableRequest): Promise<void> {
    const key = RequestSettler.key(r);
    // requests settled before this one in the transaction are earlier, or (a tie) just as early
    const mayLookBack = this.earlier.has(key) || this.settledUpTo.get(key) === r.occurredAt.getTime();
    this.settledUpTo.set(key, r.occurredAt.getTime());
    if (r.action === 'push') return this.settlePush(r);
    if (r.hint) return this.settleHint(r, mayLookBack);
    this.deltas.seen(r);
    const owner = r.tag === '' ? await this.ownerOf(r) : undefined;
    if (owner?.state === 'counted' || owner?.state === 'absorbed') {
      const root = owner.state === 'counted' ? owner.event_id : owner.absorbed_by!;
      await this.tx.query(`UPDATE counter_processed_event SET state = 'absorbed', absorbed_by = $2 WHERE event_id = $1`, [r.eventId, root]);
      if (mayLookBack) await this.claimFollowers(r, { absorbInto: root });
      return;
    }
    // counted: for its own tag, or the tag the HEAD that resolved it named
    const countedTag = r.tag !== '' ? r.tag : owner?.state === 'hint' ? owner.tag : '';
    await this.tx.query(`UPDATE counter_processed_event SET state = 'counted', counted_tag = $2 WHERE event_id = $1`, [r.eventId, countedTag]);
    this.deltas.add('pull', r.repository, countedTag, r.day, +1);
    if (mayLookBack) await this.claimFollowers(r, { absorbInto: r.eventId });
  }

  /**
   * Blob GETs: for each, the HEAD just before it by the same client, not followed by a manifest
   * GET, was a download (Docker reusing a manifest it still has). One statement for all of them:
   * what they decide depends only on rows already written.
   */
  async settleBlobs(blobs: readonly CountableRequest[]): Promise<void> {
    if (blobs.length === 0) return;
    const hints: { event_id: string; repository: string; tag: string; occurred_at: Date; day: string }[] = await this.tx.query(
      `SELECT DISTINCT h.event_id, h.repository, h.tag, h.occurred_at, h.day
       FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS b(repository, client, at)
       CROSS JOIN LATERAL (
         SELECT h.event_id, h.repository, h.client, h.tag, h.occurred_at, to_char(h.day, 'YYYY-MM-DD') AS day
         FROM counter_processed_event h
         WHERE h.repository = b.repository AND h.client = b.client AND h.action = 'pull' AND h.state = 'hint'
           AND h.occurred_at BETWEEN b.at - ${WINDOW} AND b.at
           AND NOT EXISTS (${MANIFEST_GET_AFTER('h.repository', 'h.client', 'h.occurred_at')})
           AND NOT EXISTS (${HEAD_BETWEEN('h.repository', 'h.client', 'h.occurred_at', 'b.at')})
         ORDER BY h.occurred_at DESC LIMIT 1
       ) AS h
       ORDER BY h.event_id`,
      [blobs.map((b) => b.repository), blobs.map((b) => b.client), blobs.map((b) => b.occurredAt.toISOString())],
    );
    for (const h of hints) await this.promote({ eventId: h.event_id, repository: h.repository, tag: h.tag, occurredAt: new Date(h.occurred_at), day: h.day });
  }

  /**
   * A HEAD that does not count by itself: GETs by digest it resolved, counted before it arrived,
   * move to its tag; and if no manifest GET but a blob GET followed it, it was a download after all
   * (blob GETs of this transaction are settled last, by settleBlobs).
   */
  private async settleHint(r: CountableRequest, mayLookBack: boolean): Promise<void> {
    if (!mayLookBack) return;
    await this.claimFollowers(r, { retagTo: r.tag });
    const rows: { promote: boolean }[] = await this.tx.query(
      `SELECT NOT EXISTS (${MANIFEST_GET_AFTER('$1', '$2', '$3::timestamptz')})
          AND EXISTS (
            SELECT 1 FROM counter_processed_event b
            WHERE b.repository = $1 AND b.client = $2 AND b.action = 'pull' AND b.state = 'blob'
              AND b.occurred_at BETWEEN $3 AND $3::timestamptz + ${WINDOW}
              AND NOT EXISTS (${HEAD_BETWEEN('$1', '$2', '$3::timestamptz', 'b.occurred_at')})
          ) AS promote`,
      [r.repository, r.client, r.occurredAt.toISOString()],
    );
    if (rows[0]?.promote) await this.promote(r);
  }

  /** A HEAD by tag becomes the download it turned out to be. */
  private async promote(hint: Pick<CountableRequest, 'eventId' | 'repository' | 'tag' | 'occurredAt' | 'day'>): Promise<void> {
    await this.tx.query(`UPDATE counter_processed_event SET state = 'counted', counted_tag = tag WHERE event_id = $1`, [hint.eventId]);
    this.deltas.seen({ repository: hint.repository, action: 'pull', occurredAt: hint.occurredAt });
    this.deltas.add('pull', hint.repository, hint.tag, hint.day, +1);
  }

  /** The latest request settled before `r` that can own it, within the window. */
  private async ownerOf(r: CountableRequest): Promise<Owner | undefined> {
    const rows: Owner[] = await this.tx.query(
      `SELECT q.event_id, q.state, q.tag, q.absorbed_by FROM ${AS_ROW}
       JOIN counter_processed_event q ON ${CAN_OWN('q', 'x')}
       WHERE q.event_id <> x.event_id AND q.state IN ('counted', 'absorbed', 'hint')
         AND q.occurred_at BETWEEN x.occurred_at - ${WINDOW} AND x.occurred_at
       ORDER BY q.occurred_at DESC, q.event_id DESC LIMIT 1`,
      rowParams(r),
    );
    return rows[0];
  }

  /**
   * By-digest pulls settled before `x` arrived whose owner `x` turns out to be (no later request
   * can own them). Owned by a download, they join it; owned by a HEAD that does not count, they
   * are a download of their own for its tag, even if an older request had taken them.
   */
  private async claimFollowers(x: CountableRequest, effect: { absorbInto: string } | { retagTo: string }): Promise<void> {
    const followers: { event_id: string; state: 'counted' | 'absorbed'; counted_tag: string; day: string }[] = await this.tx.query(
      `SELECT f.event_id, f.state, f.counted_tag, to_char(f.day, 'YYYY-MM-DD') AS day FROM ${AS_ROW}
       JOIN counter_processed_event f ON ${CAN_OWN('x', 'f')}
       WHERE f.state IN ('counted', 'absorbed') AND f.tag = '' AND f.event_id <> x.event_id
         AND f.occurred_at BETWEEN x.occurred_at AND x.occurred_at + ${WINDOW}
         AND NOT EXISTS (
           SELECT 1 FROM counter_processed_event q
           WHERE ${CAN_OWN('q', 'f')} AND q.state IN ('counted', 'absorbed', 'hint') AND q.event_id NOT IN (f.event_id, x.event_id)
             AND q.occurred_at > x.occurred_at AND q.occurred_at <= f.occurred_at)
       ORDER BY f.event_id`,
      rowParams(x),
    );
    for (const f of followers) {
      if ('absorbInto' in effect) {
        if (f.state !== 'counted') continue;
        await this.tx.query(`UPDATE counter_processed_event SET state = 'absorbed', absorbed_by = $2 WHERE event_id = $1`, [f.event_id, effect.absorbInto]);
        this.deltas.add('pull', x.repository, f.counted_tag, f.day, -1);
      } else if (f.state === 'absorbed') {
        await this.tx.query(`UPDATE counter_processed_event SET state = 'counted', counted_tag = $2, absorbed_by = NULL WHERE event_id = $1`, [
          f.event_id,
          effect.retagTo,
        ]);
        this.deltas.add('pull', x.repository, effect.retagTo, f.day, +1);
      } else if (f.counted_tag !== effect.retagTo) {
        await this.tx.query(`UPDATE counter_processed_event SET counted_tag = $2 WHERE event_id = $1`, [f.event_id, effect.retagTo]);
        this.deltas.move('pull', x.repository, f.day, f.counted_tag, effect.retagTo);
      }
    }
  }

  /** One push per manifest push, except platform manifests pushed by digest just before their index. */
  private async settlePush(r: CountableRequest): Promise<void> {
    this.deltas.seen(r);
    const at = r.occurredAt.getTime();
    if (r.tag === '' && r.kind === 'image') {
      const index: { event_id: string }[] = await this.tx.query(
        `SELECT event_id FROM counter_processed_event
         WHERE repository = $1 AND client = $2 AND action = 'push' AND state = 'counted' AND event_id <> $3
           AND kind = 'index' AND occurred_at BETWEEN $4 AND $5
         ORDER BY occurred_at ASC LIMIT 1`,
        [r.repository, r.client, r.eventId, r.occurredAt.toISOString(), new Date(at + DOWNLOAD_RULE_WINDOW_MS).toISOString()],
      );
      if (index[0] !== undefined) {
        await this.tx.query(`UPDATE counter_processed_event SET state = 'absorbed', absorbed_by = $2 WHERE event_id = $1`, [r.eventId, index[0].event_id]);
        return;
      }
    }
    await this.tx.query(`UPDATE counter_processed_event SET state = 'counted', counted_tag = $2 WHERE event_id = $1`, [r.eventId, r.tag]);
    this.deltas.add('push', r.repository, r.tag, r.day, +1);
    if (r.kind !== 'index') return;
    const [children]: [{ counted_tag: string; day: string }[], number] = await this.tx.query(
      `UPDATE counter_processed_event SET state = 'absorbed', absorbed_by = $3
       WHERE repository = $1 AND client = $2 AND action = 'push' AND state = 'counted' AND event_id <> $3 AND tag = ''
         AND kind = 'image' AND occurred_at BETWEEN $4 AND $5
       RETURNING counted_tag, to_char(day, 'YYYY-MM-DD') AS day`,
      [r.repository, r.client, r.eventId, new Date(at - DOWNLOAD_RULE_WINDOW_MS).toISOString(), r.occurredAt.toISOString()],
    );
    // TypeORM answers an UPDATE … RETURNING with [rows, affected]
    for (const child of children) this.deltas.add('push', r.repository, child.counted_tag, child.day, -1);
  }
}
