/**
 * Repository names contain slashes ("team/app/api"), which a path router cannot
 * capture in the middle of a route. Before routing, the name part of an API path
 * is percent-encoded into one segment, so controllers declare plain routes like
 * `v2/:name/manifests/:reference`. The match is anchored at the end, so a name
 * that itself contains "manifests" or "blobs" still splits where the API says.
 * The configured `http.prefix` is removed here too.
 */
const API_PATH = /^\/v2\/(.+)\/(manifests\/[^/]*|blobs\/uploads\/?[^/]*|blobs\/[^/]*|tags\/list|referrers\/[^/]*)$/;

export function rewriteRegistryUrl(url: string, prefix = '/'): string {
  const queryAt = url.indexOf('?');
  let path = queryAt === -1 ? url : url.slice(0, queryAt);
  const query = queryAt === -1 ? '' : url.slice(queryAt);
  if (prefix !== '/') {
    if (!path.startsWith(prefix.slice(0, -1))) return url;
    path = path.slice(prefix.length - 1) || '/';
  }
  const match = API_PATH.exec(path);
  if (!match) return path + query;
  return `/v2/${encodeURIComponent(match[1]!)}/${match[2]}${query}`;
}
