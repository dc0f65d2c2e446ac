// Entities and migrations of webhook subscriptions and deliveries (owned by apps/deployer).
export const webhookEntities: Function[] = [];
export const webhookMigrations: Function[] = [];
