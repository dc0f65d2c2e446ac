/**
 * Repository names contain slashes (`library/nginx`), so the routes take the rest of the path:
 *   /api/repositories/<name>                      the repository
 *   /api/repositories/<name>/tags                 its tags
 *   /api/repositories/<name>/tags/<tag>           one tag
 *   /api/repositories/<name>/manifests/<digest>   one manifest (an index's platform, say)
 * A name may also be sent URL-encoded as one segment (`library%2Fnginx`); both forms mean the same.
 * A trailing `/tags`, `/tags/<x>` or `/manifests/<x>` always selects that resource; a repository
 * whose name itself ends so is reached by encoding its slashes (`/api/repositories/x%2Ftags`).
 * The tag and digest are returned as sent (decoded); the services validate them.
 */
export type RepositoryPath =
  | { name: string; resource: 'repository' | 'tags' }
  | { name: string; resource: 'tag'; tag: string }
  | { name: string; resource: 'manifest'; digest: string };

/** The distribution spec's repository name grammar (path components of lower-case alphanumerics and separators). */
const NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const MAX_NAME_LENGTH = 255;

/**
 * Parses the raw (still percent-encoded) request URL; `undefined` when the name is not a valid
 * repository name (or a segment is not valid percent-encoding). Parsing the raw URL is what lets
 * an encoded `%2F` stay part of the name.
 */
export function parseRepositoryPath(rawUrl: string, mount = '/repositories/'): RepositoryPath | undefined {
  const path = rawUrl.split('?')[0]!;
  const at = path.indexOf(mount);
  if (at === -1) return undefined;
  const segments = path.slice(at + mount.length).split('/');
  const n = segments.length;
  let selector: { resource: 'repository' | 'tags' } | { resource: 'tag'; tag: string } | { resource: 'manifest'; digest: string } = { resource: 'repository' };
  try {
    if (n > 2 && segments[n - 2] === 'tags') {
      selector = { resource: 'tag', tag: decodeURIComponent(segments[n - 1]!) };
      segments.length = n - 2;
    } else if (n > 2 && segments[n - 2] === 'manifests') {
      selector = { resource: 'manifest', digest: decodeURIComponent(segments[n - 1]!) };
      segments.length = n - 2;
    } else if (n > 1 && segments[n - 1] === 'tags') {
      selector = { resource: 'tags' };
      segments.length = n - 1;
    }
    const name = segments.map((segment) => decodeURIComponent(segment)).join('/');
    if (name.length === 0 || name.length > MAX_NAME_LENGTH || !NAME.test(name)) return undefined;
    return { name, ...selector };
  } catch {
    return undefined;
  }
}
