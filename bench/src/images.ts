import { BlobSource, BufferBlob, sha256Digest } from './blob-data.js';
import type { RegistryClient } from './registry-client.js';

export const MediaType = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

/** What a client such as docker or containerd sends when it pulls by tag. */
export const manifestAccept = [MediaType.ociManifest, MediaType.dockerManifest].join(', ');

export type ManifestKind = 'docker' | 'oci';

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export interface ImageSpec {
  kind: ManifestKind;
  /** Distinct seeds give distinct images. */
  seed: number;
  layerSizes: readonly number[];
}

export interface BuiltImage {
  config: Buffer;
  layers: BlobSource[];
  manifest: Buffer;
  mediaType: string;
  digest: string;
}

/** A plausible image: a config JSON naming the layers' diff ids, and a schema-2 or OCI manifest, both pretty. */
export function buildImage(spec: ImageSpec): BuiltImage {
  const layers = spec.layerSizes.map((size, i) => new BlobSource(spec.seed * 64 + i, size));
  const config = Buffer.from(
    JSON.stringify(
      {
        architecture: 'amd64',
        os: 'linux',
        created: new Date(Date.UTC(2024, 0, 1, 0, 0, spec.seed % 86_400)).toISOString(),
        config: { Env: ['PATH=/usr/local/bin:/usr/bin:/bin'], Cmd: ['/app', `--seed=${spec.seed}`] },
        rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.digest()) },
        history: layers.map((_, i) => ({ created_by: `bench layer ${i}` })),
      },
      null,
      2,
    ),
  );
  const oci = spec.kind === 'oci';
  const mediaType = oci ? MediaType.ociManifest : MediaType.dockerManifest;
  const describe = (type: string, digest: string, size: number): Descriptor => ({ mediaType: type, digest, size });
  const manifest = Buffer.from(
    JSON.stringify(
      {
        schemaVersion: 2,
        mediaType,
        config: describe(oci ? MediaType.ociConfig : MediaType.dockerConfig, sha256Digest(config), config.length),
        layers: layers.map((layer) =>
          describe(oci ? MediaType.ociLayer : MediaType.dockerLayer, layer.digest(), layer.size),
        ),
      },
      null,
      3,
    ),
  );
  return { config, layers, manifest, mediaType, digest: sha256Digest(manifest) };
}

/**
 * Pushes an image the way docker does: for each blob HEAD (must be absent), POST, PUT; then PUT the manifest
 * by tag. Returns the manifest digest.
 */
export async function pushImage(client: RegistryClient, repo: string, tag: string, image: BuiltImage): Promise<string> {
  for (const blob of [...image.layers, new BufferBlob(image.config)]) {
    if (!(await client.blobExists(repo, blob.digest()))) await client.pushBlob(repo, blob);
  }
  return client.putManifest(repo, tag, image.mediaType, image.manifest);
}
