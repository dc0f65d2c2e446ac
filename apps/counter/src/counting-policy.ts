import type { CountersConfig } from '@wharf/config';
import type { RegistryEvent } from '@wharf/events';
import { clientKey, countedAction, manifestKind, type CountableRequest } from './download-rule.js';
import { InvalidEventError } from './invalid-event.error.js';

/**
 * The `counters:` configuration compiled once: decides which events may count (see
 * download-rule.ts for the rule itself) and extracts what the rule needs from them.
 */
export class CountingPolicy {
  private readonly excludedActors: RegExp[];
  private readonly excludedUserAgents: RegExp[];

  constructor(private readonly config: CountersConfig) {
    this.excludedActors = config.excludeActors.map(globToRegExp);
    this.excludedUserAgents = config.excludeUserAgents.map((pattern) => new RegExp(pattern));
  }

  /** The countable request an event stands for, or undefined when it counts nothing. */
  classify(event: RegistryEvent): CountableRequest | undefined {
    assertEventShape(event);
    const action = countedAction(event);
    if (action === undefined) return undefined;
    const method = (event.request?.method ?? '').toUpperCase();
    // blob GETs are kept only to recognise a HEAD that was a download; HEADs of blobs say nothing
    const kind = manifestKind(event.target.mediaType) ?? (action === 'pull' && method === 'GET' ? 'blob' : undefined);
    if (kind === undefined) return undefined;
    const hint = action === 'pull' && method === 'HEAD' && !this.config.countHead;
    // a HEAD by digest that does not count tells nothing a later GET would need
    if (hint && !event.target.tag) return undefined;
    if (this.isExcluded(event)) return undefined;
    const occurredAt = new Date(event.timestamp);
    if (Number.isNaN(occurredAt.getTime())) throw new InvalidEventError(`event ${event.id}: timestamp "${event.timestamp}" is not a date`);
    return {
      eventId: event.id,
      action,
      repository: event.target.repository,
      client: clientKey(event),
      kind,
      method,
      digest: event.target.digest ?? '',
      tag: event.target.tag ?? '',
      occurredAt,
      day: occurredAt.toISOString().slice(0, 10),
      hint,
    };
  }

  private isExcluded(event: RegistryEvent): boolean {
    const actor = event.actor?.name;
    if (actor && this.excludedActors.some((pattern) => pattern.test(actor))) return true;
    const agent = event.request?.useragent ?? '';
    return this.excludedUserAgents.some((pattern) => pattern.test(agent));
  }
}

/** `*` matches any run of characters, `?` one; everything else literally; the whole name must match. */
export function globToRegExp(glob: string): RegExp {
  const body = [...glob].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`);
}

function assertEventShape(event: RegistryEvent): void {
  const value = event as unknown as Record<string, unknown> | null;
  if (value === null || typeof value !== 'object') throw new InvalidEventError('job data is not an event');
  if (typeof value['id'] !== 'string' || value['id'].length === 0 || value['id'].length > 256) {
    throw new InvalidEventError('event without a usable id');
  }
  const target = value['target'] as Record<string, unknown> | undefined;
  if (typeof target !== 'object' || target === null || typeof target['repository'] !== 'string' || target['repository'] === '') {
    throw new InvalidEventError(`event ${value['id']}: no target.repository`);
  }
  if (typeof value['timestamp'] !== 'string') throw new InvalidEventError(`event ${value['id']}: no timestamp`);
}
