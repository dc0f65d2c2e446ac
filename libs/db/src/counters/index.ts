// Entities and migrations of the download/push counters (owned by apps/counter).
import { CounterTables1763890000000 } from './counter-tables.migration.js';
import { ProcessedEventEntity } from './processed-event.entity.js';
import { RepositoryCounterEntity } from './repository-counter.entity.js';
import { TagDayCounterEntity } from './tag-day-counter.entity.js';

export { CounterTables1763890000000, ProcessedEventEntity, RepositoryCounterEntity, TagDayCounterEntity };
export type { ProcessedEventState } from './processed-event.entity.js';

export const counterEntities: Function[] = [RepositoryCounterEntity, TagDayCounterEntity, ProcessedEventEntity];
export const counterMigrations: Function[] = [CounterTables1763890000000];
