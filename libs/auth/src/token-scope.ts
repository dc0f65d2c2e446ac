import type { RepositoryAction } from '@wharf/config';

/** One entry of a token's `access` claim (the Docker token spec's resource actions). */
export interface TokenAccess {
  type: string;
  name: string;
  actions: string[];
}

const REPOSITORY_ACTIONS: readonly string[] = ['pull', 'push', 'delete', '*'];

/**
 * Parses scope strings (`repository:team/app:pull,push`, `registry:catalog:*`); a request may
 * repeat `scope` and each value may hold several space-separated scopes. The resource name sits
 * between the first and the last colon, so a type with a class (`repository(plugin)`) keeps it.
 * Malformed scopes are returned in `invalid` so the caller can say which one.
 */
export function parseScopes(values: readonly string[]): { scopes: TokenAccess[]; invalid: string[] } {
  const scopes: TokenAccess[] = [];
  const invalid: string[] = [];
  for (const scope of values.flatMap((v) => v.split(' ')).filter((s) => s !== '')) {
    const first = scope.indexOf(':');
    const last = scope.lastIndexOf(':');
    if (first <= 0 || last === first || last === scope.length - 1) {
      invalid.push(scope);
      continue;
    }
    const type = scope.slice(0, first).replace(/\(.*\)$/, '');
    const name = scope.slice(first + 1, last);
    const actions = scope.slice(last + 1).split(',').filter((a) => a !== '');
    if (!/^[a-z]+$/.test(type) || name === '' || /[\s"\\]/.test(name)) {
      invalid.push(scope);
      continue;
    }
    scopes.push({ type, name, actions: [...new Set(actions)] });
  }
  return { scopes, invalid };
}

/** Whether the granted access covers `action` on repository `name` (`*` grants every action). */
export function grantsRepository(access: readonly TokenAccess[], name: string, action: RepositoryAction): boolean {
  return access.some((a) => a.type === 'repository' && a.name === name && (a.actions.includes(action) || a.actions.includes('*')));
}

/** Whether the granted access includes `registry:catalog:*`. */
export function grantsCatalog(access: readonly TokenAccess[]): boolean {
  return access.some((a) => a.type === 'registry' && a.name === 'catalog' && a.actions.includes('*'));
}

export function isRepositoryAction(action: string): action is RepositoryAction | '*' {
  return REPOSITORY_ACTIONS.includes(action);
}
