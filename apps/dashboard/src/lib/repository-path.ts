/** The API path of a repository: nested names keep their slashes, each component URL-encoded. */
export function repositoryApiPath(name: string): string {
  return `/repositories/${name.split('/').map(encodeURIComponent).join('/')}`;
}

/** Catch-all route segments back to a repository name. */
export function nameFromSegments(segments: string[]): string {
  return segments.map((s) => decodeURIComponent(s)).join('/');
}
