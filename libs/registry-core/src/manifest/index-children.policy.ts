import type { Descriptor } from './descriptor.js';

/**
 * validation.manifests.indexes (registry:2 v3): which children of a pushed index must already be
 * in the repository. `all` (the default); `none`; `list`: only children whose platform's os and
 * architecture equal an entry of `platformList` (an empty list means all, as in registry:2).
 */
export interface IndexChildPolicy {
  platforms: 'all' | 'none' | 'list';
  platformList: readonly { os?: string; architecture?: string }[];
}

export const ALL_INDEX_CHILDREN: IndexChildPolicy = { platforms: 'all', platformList: [] };

export function requiredChildren(children: readonly Descriptor[], policy: IndexChildPolicy): Descriptor[] {
  if (policy.platforms === 'none') return [];
  if (policy.platforms === 'all' || policy.platformList.length === 0) return [...children];
  return children.filter((child) =>
    policy.platformList.some(
      (p) => (p.os ?? '') === (child.platform?.os ?? '') && (p.architecture ?? '') === (child.platform?.architecture ?? ''),
    ),
  );
}
