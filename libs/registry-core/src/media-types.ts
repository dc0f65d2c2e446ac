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

/** Docker's foreign layer: its bytes live at its `urls`, never in the registry. */
export const DOCKER_FOREIGN_LAYER = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';

/**
 * The OCI layer types whose `urls` registry:2 checks against validation.manifests.urls; a layer of
 * these types that carries URLs may be pushed without its blob.
 */
export const OCI_URL_LAYERS: ReadonlySet<string> = new Set([
  'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
]);

/** `type/subtype` without parameters, lower-cased, for comparisons. */
export function bareMediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
}
