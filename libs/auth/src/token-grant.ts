import type { AccessPolicy } from './access.policy.js';
import { isRepositoryAction, type TokenAccess } from './token-scope.js';

/**
 * What a token may carry: the requested scopes intersected with what the policy grants `user`
 * (undefined: anonymous). `*` asks for every action the user has. Unknown resource types and
 * actions are dropped, never granted; scopes nothing is granted for are left out.
 */
export function grantedAccess(policy: AccessPolicy, user: string | undefined, requested: readonly TokenAccess[]): TokenAccess[] {
  const granted = new Map<string, TokenAccess>();
  for (const scope of requested) {
    let actions: string[] = [];
    if (scope.type === 'repository') {
      const allowed = policy.grantedActions(user, scope.name);
      actions = scope.actions.includes('*')
        ? [...allowed]
        : scope.actions.filter((a) => isRepositoryAction(a) && a !== '*' && allowed.has(a));
    } else if (scope.type === 'registry' && scope.name === 'catalog' && scope.actions.includes('*') && policy.canListCatalog(user)) {
      actions = ['*'];
    }
    if (actions.length === 0) continue;
    const key = `${scope.type}:${scope.name}`;
    const entry = granted.get(key);
    granted.set(key, { type: scope.type, name: scope.name, actions: [...new Set([...(entry?.actions ?? []), ...actions])] });
  }
  return [...granted.values()];
}
