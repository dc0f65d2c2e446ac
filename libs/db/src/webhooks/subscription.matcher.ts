import { compileActorGlob, compileRepositoryGlob, compileTagPattern, type PatternCheck } from './subscription-patterns.js';
import { isBlobEvent, PING_ACTION, type WebhookEvent } from './webhook-event.js';

export interface SubscriptionFilters {
  actions: readonly string[];
  repository: string | null;
  tag: string | null;
  actor: string | null;
  includeBlobs: boolean;
}

/**
 * Decides whether an event is for a subscription. All filters must hold:
 * - the action is one of `actions`;
 * - blob events (media type application/octet-stream: layer pushes, pulls, mounts) only with
 *   `includeBlobs`, so a deploy hook hears about images, not layers;
 * - `repository` glob, when set, matches the repository;
 * - `tag` pattern, when set, matches the event's tag — an event without a tag (a manifest pushed
 *   by digest, such as the per-platform children of a multi-platform push) never matches, so
 *   `tag: "*"` means "tagged manifests only";
 * - `actor` glob, when set, matches the actor name (anonymous events never match).
 */
export class SubscriptionMatcher {
  private constructor(
    private readonly actions: ReadonlySet<string>,
    private readonly includeBlobs: boolean,
    private readonly repository: RegExp | undefined,
    private readonly tag: RegExp | undefined,
    private readonly actor: RegExp | undefined,
  ) {}

  /** Throws on an invalid pattern; stored subscriptions were validated when written. */
  static compile(filters: SubscriptionFilters): SubscriptionMatcher {
    return new SubscriptionMatcher(
      new Set(filters.actions),
      filters.includeBlobs,
      filters.repository === null ? undefined : orThrow('repository', compileRepositoryGlob(filters.repository)),
      filters.tag === null ? undefined : orThrow('tag', compileTagPattern(filters.tag)),
      filters.actor === null ? undefined : orThrow('actor', compileActorGlob(filters.actor)),
    );
  }

  matches(event: WebhookEvent): boolean {
    if (event.action === PING_ACTION) return true;
    if (!this.actions.has(event.action)) return false;
    if (!this.includeBlobs && isBlobEvent(event)) return false;
    if (this.repository !== undefined && !this.repository.test(event.target.repository)) return false;
    if (this.tag !== undefined && (event.target.tag === undefined || !this.tag.test(event.target.tag))) return false;
    if (this.actor !== undefined && (event.actor.name === undefined || !this.actor.test(event.actor.name))) return false;
    return true;
  }
}

function orThrow(filter: string, check: PatternCheck): RegExp {
  if (!check.ok) throw new Error(`invalid ${filter} filter: ${check.message}`);
  return check.regex;
}
