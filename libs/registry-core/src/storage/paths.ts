import type { Digest } from '../digest.js';

/**
 * The on-disk layout, identical to registry:2's so an existing /var/lib/registry
 * is served as it is. Everything lives under /docker/registry/v2:
 *
 *   blobs/<alg>/<first 2 hex>/<hex>/data                       blob and manifest bytes, shared by all repositories
 *   repositories/<name>/_layers/<alg>/<hex>/link               a blob is part of <name> (content: the digest)
 *   repositories/<name>/_manifests/revisions/<alg>/<hex>/link  a manifest is part of <name>
 *   repositories/<name>/_manifests/tags/<tag>/current/link     the digest <tag> points at
 *   repositories/<name>/_manifests/tags/<tag>/index/<alg>/<hex>/link   every digest <tag> has pointed at
 *   repositories/<name>/_uploads/<uuid>/data                   bytes of an upload in progress
 *   repositories/<name>/_uploads/<uuid>/startedat              RFC 3339 start time (for purging)
 *
 * Wharf adds one directory registry:2 ignores (its walkers skip `_`-prefixed names):
 *   repositories/<name>/_referrers/<subject alg>/<subject hex>/<alg>/<hex>/descriptor
 *                                     the referrers-API descriptor of a manifest whose subject is that digest
 *
 * Callers pass only validated names, tags, digests and upload ids; these functions
 * do not re-check them.
 */
export const ROOT = '/docker/registry/v2';
export const REPOSITORIES = `${ROOT}/repositories`;
export const BLOBS = `${ROOT}/blobs`;

export const paths = {
  blobData: (d: Digest) => `${BLOBS}/${d.algorithm}/${d.hex.slice(0, 2)}/${d.hex}/data`,
  blobDir: (d: Digest) => `${BLOBS}/${d.algorithm}/${d.hex.slice(0, 2)}/${d.hex}`,

  repository: (name: string) => `${REPOSITORIES}/${name}`,
  layers: (name: string) => `${REPOSITORIES}/${name}/_layers`,
  layerLink: (name: string, d: Digest) => `${REPOSITORIES}/${name}/_layers/${d.algorithm}/${d.hex}/link`,
  layerDir: (name: string, d: Digest) => `${REPOSITORIES}/${name}/_layers/${d.algorithm}/${d.hex}`,

  manifests: (name: string) => `${REPOSITORIES}/${name}/_manifests`,
  revisionLink: (name: string, d: Digest) => `${REPOSITORIES}/${name}/_manifests/revisions/${d.algorithm}/${d.hex}/link`,
  revisionDir: (name: string, d: Digest) => `${REPOSITORIES}/${name}/_manifests/revisions/${d.algorithm}/${d.hex}`,
  revisions: (name: string) => `${REPOSITORIES}/${name}/_manifests/revisions`,
  tags: (name: string) => `${REPOSITORIES}/${name}/_manifests/tags`,
  tagDir: (name: string, tag: string) => `${REPOSITORIES}/${name}/_manifests/tags/${tag}`,
  tagCurrentLink: (name: string, tag: string) => `${REPOSITORIES}/${name}/_manifests/tags/${tag}/current/link`,
  tagIndexLink: (name: string, tag: string, d: Digest) =>
    `${REPOSITORIES}/${name}/_manifests/tags/${tag}/index/${d.algorithm}/${d.hex}/link`,

  uploads: (name: string) => `${REPOSITORIES}/${name}/_uploads`,
  uploadDir: (name: string, id: string) => `${REPOSITORIES}/${name}/_uploads/${id}`,
  uploadData: (name: string, id: string) => `${REPOSITORIES}/${name}/_uploads/${id}/data`,
  uploadStartedAt: (name: string, id: string) => `${REPOSITORIES}/${name}/_uploads/${id}/startedat`,

  referrersOf: (name: string, subject: Digest) =>
    `${REPOSITORIES}/${name}/_referrers/${subject.algorithm}/${subject.hex}`,
  referrerDir: (name: string, subject: Digest, d: Digest) =>
    `${REPOSITORIES}/${name}/_referrers/${subject.algorithm}/${subject.hex}/${d.algorithm}/${d.hex}`,
  referrer: (name: string, subject: Digest, d: Digest) =>
    `${REPOSITORIES}/${name}/_referrers/${subject.algorithm}/${subject.hex}/${d.algorithm}/${d.hex}/descriptor`,
} as const;

/** Directory names inside a repository that belong to the registry, not to a nested repository name. */
export const REPOSITORY_INTERNAL_DIRS: ReadonlySet<string> = new Set(['_layers', '_manifests', '_uploads', '_referrers']);
