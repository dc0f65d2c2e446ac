import type { IncomingMessage } from 'node:http';

// Keyed by the raw request so every layer (guard, event context) sees the same identity.
const users = new WeakMap<IncomingMessage, string>();

/** Records who an authenticated request comes from (the event's actor.name). */
export function setAuthenticatedUser(req: IncomingMessage, user: string): void {
  users.set(req, user);
}

/** The authenticated user of a request, or undefined for anonymous or unauthenticated ones. */
export function authenticatedUser(req: IncomingMessage): string | undefined {
  return users.get(req);
}
