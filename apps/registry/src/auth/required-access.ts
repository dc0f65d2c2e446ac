import type { RepositoryAction } from '@wharf/config';
import { isValidRepositoryName } from '@wharf/registry-core';

/** What a registry request needs to be allowed, derived from its route before any handler runs. */
export type RequiredAccess =
  /** `/v2/`: any authenticated client. */
  | { kind: 'base' }
  /** `/v2/_catalog`: lists every repository (the token spec's `registry:catalog:*`). */
  | { kind: 'catalog' }
  | {
      kind: 'repository';
      name: string;
      actions: RepositoryAction[];
      /** A cross-repository mount: the source repository (also needs pull), or null for `?mount=` without `from`. */
      mountFrom?: string | null;
    }
  /** A route this table does not know, or a name that is not a repository name: refused. */
  | { kind: 'unknown' };

const REPOSITORY_ROUTES = new Set([
  '/v2/:name/manifests/:reference',
  '/v2/:name/blobs/:digest',
  '/v2/:name/blobs/uploads',
  '/v2/:name/blobs/uploads/:uuid',
  '/v2/:name/tags/list',
  '/v2/:name/referrers/:digest',
]);

/**
 * As distribution's `appendAccessRecords`: reads need pull, writes need pull and push (a push
 * reads what it writes), DELETE needs delete.
 */
function actionsFor(method: string): RepositoryAction[] {
  if (method === 'GET' || method === 'HEAD') return ['pull'];
  if (method === 'DELETE') return ['delete'];
  return ['pull', 'push'];
}

export function requiredAccess(
  method: string,
  route: string | undefined,
  params: Record<string, string | undefined>,
  query: Record<string, unknown>,
): RequiredAccess {
  const path = route?.replace(/\/$/, '');
  if (path === '/v2' || path === '') return { kind: 'base' };
  if (path === '/v2/_catalog') return { kind: 'catalog' };
  if (path === undefined || !REPOSITORY_ROUTES.has(path)) return { kind: 'unknown' };
  const name = params.name;
  if (name === undefined || !isValidRepositoryName(name)) return { kind: 'unknown' };
  const access: RequiredAccess = { kind: 'repository', name, actions: actionsFor(method) };
  if (path === '/v2/:name/blobs/uploads' && method === 'POST' && typeof query.mount === 'string') {
    access.mountFrom = typeof query.from === 'string' && isValidRepositoryName(query.from) ? query.from : null;
  }
  return access;
}
