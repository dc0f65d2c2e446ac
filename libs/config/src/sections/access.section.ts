import { z } from 'zod';
import { choice, duration, list, section, text, textList } from '../config.fields.js';
import type { AccessConfig, TokenServerConfig } from '../config.types.js';

/*
 * Wharf's `access:` (an access-control list for the registry and the API) and `tokenserver:`
 * (the Docker token server the registry process serves). Principals and globs are checked here so
 * a typo stops start-up instead of silently granting or refusing access.
 */

const GROUP_PREFIX = 'group:';
// Repository name characters (distribution's grammar) plus the glob stars.
const REPOSITORY_GLOB = /^[a-z0-9._\-/*]+$/;
const GROUP_NAME = /^[A-Za-z0-9._-]+$/;

const rule = section({
  repositories: textList(),
  users: textList(),
  actions: list(choice(['pull', 'push', 'delete'])),
});

export const accessSection = section({
  groups: z.preprocess((value) => (value === null || value === undefined ? {} : value), z.record(z.string(), textList())),
  admins: textList(),
  rules: list(rule),
}).superRefine((value, ctx) => {
  for (const name of Object.keys(value.groups)) {
    if (!GROUP_NAME.test(name)) ctx.addIssue({ code: 'custom', path: ['groups', name], message: 'group names use letters, digits, ".", "_" and "-"' });
  }
  const checkPrincipal = (principal: string, path: (string | number)[], wildcards: boolean) => {
    if (principal.startsWith(GROUP_PREFIX)) {
      const group = principal.slice(GROUP_PREFIX.length);
      if (!Object.hasOwn(value.groups, group)) ctx.addIssue({ code: 'custom', path, message: `unknown group "${group}" (define it under access.groups)` });
      return;
    }
    if (!wildcards && (principal === '*' || principal === 'anonymous')) {
      ctx.addIssue({ code: 'custom', path, message: `"${principal}" cannot be an admin` });
    } else if (principal === '' || principal.includes(':')) {
      ctx.addIssue({ code: 'custom', path, message: 'expected a user name, group:<name>, * or anonymous' });
    }
  };
  value.admins.forEach((admin, index) => checkPrincipal(admin, ['admins', index], false));
  value.rules.forEach((entry, index) => {
    if (entry.repositories.length === 0) ctx.addIssue({ code: 'custom', path: ['rules', index, 'repositories'], message: 'required: at least one repository pattern' });
    if (entry.users.length === 0) ctx.addIssue({ code: 'custom', path: ['rules', index, 'users'], message: 'required: at least one user' });
    if (entry.actions.length === 0) ctx.addIssue({ code: 'custom', path: ['rules', index, 'actions'], message: 'required: at least one of pull, push, delete' });
    entry.repositories.forEach((pattern, i) => {
      if (!REPOSITORY_GLOB.test(pattern)) {
        ctx.addIssue({ code: 'custom', path: ['rules', index, 'repositories', i], message: 'expected a repository name pattern (lower-case name characters, * and **)' });
      }
    });
    entry.users.forEach((user, i) => checkPrincipal(user, ['rules', index, 'users', i], true));
  });
});

export function toAccessConfig(raw: z.output<typeof accessSection>): AccessConfig {
  return {
    groups: raw.groups,
    admins: raw.admins,
    rules: raw.rules.map((r) => ({ repositories: r.repositories, users: r.users, actions: [...new Set(r.actions)] })),
  };
}

const DEFAULT_TOKEN_EXPIRATION_MS = 5 * 60_000;

export const tokenServerSection = section({
  path: text()
    .refine((value) => value.startsWith('/') && !value.includes('?'), { message: 'expected a URL path such as /auth/token' })
    .default('/auth/token'),
  issuer: text(),
  key: text(),
  certificate: text(),
  htpasswd: text(),
  expiration: duration().optional(),
}).superRefine((value, ctx) => {
  if (value.expiration !== undefined && value.expiration < 1_000) {
    ctx.addIssue({ code: 'custom', path: ['expiration'], message: 'must be at least 1s' });
  }
});

export function toTokenServerConfig(raw: z.output<typeof tokenServerSection>): TokenServerConfig {
  return {
    path: raw.path,
    issuer: raw.issuer,
    key: raw.key,
    certificate: raw.certificate,
    htpasswd: raw.htpasswd,
    expirationMs: raw.expiration ?? DEFAULT_TOKEN_EXPIRATION_MS,
  };
}
