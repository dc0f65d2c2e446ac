import type { Subscription } from './api-types';

export function filtersText(hook: Subscription): string {
  const f = hook.filters;
  return [
    (f.actions ?? ['push']).join(', '),
    f.repository && `repository ${f.repository}`,
    f.tag && `tag ${f.tag}`,
    f.actor && `actor ${f.actor}`,
    f.includeBlobs && 'with blobs',
  ]
    .filter(Boolean)
    .join(' · ');
}

/** Disabled, failing (with the count of failures in a row) or healthy. */
export function HealthBadge({ subscription }: { subscription: Subscription }) {
  if (!subscription.enabled) return <span className="status-warn" data-state="disabled">disabled</span>;
  if (subscription.health.failing) {
    return (
      <span className="status-bad" data-state="failing" title={subscription.health.lastError ?? undefined}>
        failing ({subscription.health.consecutiveFailures} in a row)
      </span>
    );
  }
  return <span className="status-ok" data-state="enabled">enabled</span>;
}
