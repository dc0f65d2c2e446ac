// Entities and migrations of the download/push counters (owned by apps/counter).
export const counterEntities: Function[] = [];
export const counterMigrations: Function[] = [];
