/** Manifest media types Wharf stores and serves. */
export const MediaTypes = {
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  DockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  OciManifest: 'application/vnd.oci.image.manifest.v1+json',
  OciIndex: 'application/vnd.oci.image.index.v1+json',
  OciEmpty: 'application/vnd.oci.empty.v1+json',
} as const;

export const INDEX_MEDIA_TYPES: ReadonlySet<string> = new Set([MediaTypes.OciIndex, MediaTypes.DockerManifestList]);
export const IMAGE_MEDIA_TYPES: ReadonlySet<string> = new Set([MediaTypes.OciManifest, MediaTypes.DockerManifest]);
export const SCHEMA1_MEDIA_TYPES: ReadonlySet<string> = new Set([MediaTypes.DockerSchema1, MediaTypes.DockerSchema1Signed]);

/**
 * Layers a registry is not expected to hold: their bytes live elsewhere (`urls`),
 * so a manifest naming them is accepted without the blob.
 */
export function isNonDistributable(mediaType: string): boolean {
  return (
    mediaType.startsWith('application/vnd.oci.image.layer.nondistributable.') ||
    mediaType === 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip'
  );
}

/** `type/subtype` without parameters, lower-cased, for comparisons. */
export function bareMediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
}
