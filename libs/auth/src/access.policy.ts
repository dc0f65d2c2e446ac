import type { AccessConfig, RepositoryAction } from '@wharf/config';
import { repositoryGlob } from './repository-glob.js';

const ALL_ACTIONS: readonly RepositoryAction[] = ['pull', 'push', 'delete'];

interface CompiledRule {
  repositories: RegExp[];
  users: Set<string>;
  actions: Set<RepositoryAction>;
}

/**
 * Who may do what, from the `access:` section. `user` undefined means no credentials.
 * Without a section, every signed-in user may do everything (and is an admin) and anonymous
 * requests may do nothing. With one, rules are additive and admins may do everything.
 */
export class AccessPolicy {
  private readonly rules: CompiledRule[];
  private readonly admins: Set<string>;
  private readonly groupsOf = new Map<string, string[]>();

  constructor(private readonly config: AccessConfig | undefined) {
    this.admins = new Set(config?.admins ?? []);
    this.rules = (config?.rules ?? []).map((rule) => ({
      repositories: rule.repositories.map(repositoryGlob),
      users: new Set(rule.users),
      actions: new Set(rule.actions),
    }));
    for (const [group, members] of Object.entries(config?.groups ?? {})) {
      for (const member of members) this.groupsOf.set(member, [...(this.groupsOf.get(member) ?? []), group]);
    }
  }

  allows(user: string | undefined, repository: string, action: RepositoryAction): boolean {
    return this.grantedActions(user, repository).has(action);
  }

  /** Every action `user` may do on `repository` (the token server grants their intersection with a request). */
  grantedActions(user: string | undefined, repository: string): Set<RepositoryAction> {
    if (this.config === undefined || this.isAdmin(user)) return new Set(user === undefined ? [] : ALL_ACTIONS);
    const principals = this.principalsOf(user);
    const granted = new Set<RepositoryAction>();
    for (const rule of this.rules) {
      if (!principals.some((p) => rule.users.has(p))) continue;
      if (!rule.repositories.some((glob) => glob.test(repository))) continue;
      for (const action of rule.actions) granted.add(action);
    }
    return granted;
  }

  isAdmin(user: string | undefined): boolean {
    if (user === undefined) return false;
    if (this.config === undefined) return true;
    return this.principalsOf(user).some((p) => this.admins.has(p));
  }

  /** The catalog names every repository, so it is for admins. */
  canListCatalog(user: string | undefined): boolean {
    return this.isAdmin(user);
  }

  private principalsOf(user: string | undefined): string[] {
    if (user === undefined) return ['anonymous'];
    return [user, '*', ...(this.groupsOf.get(user) ?? []).map((g) => `group:${g}`)];
  }
}
