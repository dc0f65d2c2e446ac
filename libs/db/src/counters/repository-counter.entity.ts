import { Column, Entity, PrimaryColumn } from 'typeorm';

/** All-time totals of one repository. Counts are bigint: TypeORM hands them over as strings. */
@Entity({ name: 'counter_repository' })
export class RepositoryCounterEntity {
  @PrimaryColumn({ type: 'text' })
  repository!: string;

  @Column({ type: 'bigint', default: 0 })
  pulls!: string;

  @Column({ type: 'bigint', default: 0 })
  pushes!: string;

  @Column({ name: 'last_pulled_at', type: 'timestamptz', nullable: true })
  lastPulledAt!: Date | null;

  @Column({ name: 'last_pushed_at', type: 'timestamptz', nullable: true })
  lastPushedAt!: Date | null;
}
