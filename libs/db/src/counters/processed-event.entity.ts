import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * pending: recorded, rule not applied yet (only inside a transaction); counted: holds one count;
 * absorbed: part of another request's count; hint: a HEAD that does not count (yet) but names the
 * tag a following GET by digest is counted under; blob: a blob GET, which never counts but shows
 * that a HEAD was followed by a download.
 */
export type ProcessedEventState = 'pending' | 'counted' | 'absorbed' | 'hint' | 'blob';

/**
 * One counted manifest request, keyed by event id: inserting the id in the same transaction as
 * the counter updates (ON CONFLICT DO NOTHING) is what makes redelivered events count once. The
 * other columns are what the download rule needs to join a platform manifest to its index pull.
 * Rows are pruned after the retention period apps/counter documents.
 */
@Entity({ name: 'counter_processed_event' })
@Index('counter_processed_event_client', ['repository', 'client', 'action', 'occurredAt'])
@Index('counter_processed_event_processed_at', ['processedAt'])
export class ProcessedEventEntity {
  @PrimaryColumn({ name: 'event_id', type: 'text' })
  eventId!: string;

  /** 'pull' or 'push'. */
  @Column({ type: 'text' })
  action!: string;

  @Column({ type: 'text' })
  repository!: string;

  /** Client address without port, a space, then the user agent. */
  @Column({ type: 'text' })
  client!: string;

  /** 'index' (index or manifest list), 'image' (any other manifest) or 'blob'. */
  @Column({ type: 'text' })
  kind!: string;

  /** The HTTP method of the request: GET, HEAD or PUT. */
  @Column({ type: 'text' })
  method!: string;

  @Column({ type: 'text' })
  digest!: string;

  /** '' when the manifest was addressed by digest. */
  @Column({ type: 'text' })
  tag!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ type: 'date' })
  day!: string;

  @Column({ type: 'text' })
  state!: ProcessedEventState;

  /** The tag whose bucket holds this request's count: its own, or a preceding HEAD's; '' by digest. */
  @Column({ name: 'counted_tag', type: 'text', default: '' })
  countedTag!: string;

  /** The event whose count this one joined. */
  @Column({ name: 'absorbed_by', type: 'text', nullable: true })
  absorbedBy!: string | null;

  @Column({ name: 'processed_at', type: 'timestamptz', default: () => 'now()' })
  processedAt!: Date;
}
