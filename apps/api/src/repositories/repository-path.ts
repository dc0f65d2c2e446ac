/**
 * Repository names contain slashes (`library/nginx`), so the routes take the rest of the path:
 *   /api/repositories/<name>        the repository
 *   /api/repositories/<name>/tags   its tags
 * A name may also be sent URL-encoded as one segment (`library%2Fnginx`); both forms mean the same.
 * A trailing `/tags` segment always selects the tags; a repository whose last path component is
 * itself `tags` is reached by encoding that slash (`/api/repositories/x%2Ftags`).
 */
export interface RepositoryPath {
  name: string;
  resource: 'repository' | 'tags';
}

/** The distribution spec's repository name grammar (path components of lower-case alphanumerics and separators). */
const NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const MAX_NAME_LENGTH = 255;

/**
 * Parses the raw (still percent-encoded) request URL; `undefined` when the name is not a valid
 * repository name. Parsing the raw URL is what lets an encoded `%2F` stay part of the name.
 */
export function parseRepositoryPath(rawUrl: string, mount = '/repositories/'): RepositoryPath | undefined {
  const path = rawUrl.split('?')[0]!;
  const at = path.indexOf(mount);
  if (at === -1) return undefined;
  const segments = path.slice(at + mount.length).split('/');
  let resource: RepositoryPath['resource'] = 'repository';
  if (segments.length > 1 && segments[segments.length - 1] === 'tags') {
    segments.pop();
    resource = 'tags';
  }
  let name: string;
  try {
    name = segments.map((segment) => decodeURIComponent(segment)).join('/');
  } catch {
    return undefined;
  }
  if (name.length === 0 || name.length > MAX_NAME_LENGTH || !NAME.test(name)) return undefined;
  return { name, resource };
}
