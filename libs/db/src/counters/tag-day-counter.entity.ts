import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Downloads and pushes of one repository, tag and UTC day: the source of per-tag totals and of the
 * leaderboards over a period. `tag` is '' for requests by digest, so summing a repository's rows
 * of a day gives all of its downloads that day.
 */
@Entity({ name: 'counter_tag_day' })
export class TagDayCounterEntity {
  @PrimaryColumn({ type: 'text' })
  repository!: string;

  @PrimaryColumn({ type: 'text' })
  tag!: string;

  /** UTC day, 'YYYY-MM-DD'. */
  @PrimaryColumn({ type: 'date' })
  day!: string;

  @Column({ type: 'bigint', default: 0 })
  pulls!: string;

  @Column({ type: 'bigint', default: 0 })
  pushes!: string;
}
