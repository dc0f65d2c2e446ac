import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RegistryError } from '../errors/registry-error.js';
import { MediaTypes } from '../media-types.js';
import { parseManifest, storedManifestMediaType } from './manifest.parser.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const image = (extra: Record<string, unknown> = {}) => ({
  schemaVersion: 2,
  mediaType: MediaTypes.OciManifest,
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digest('a'), size: 10 },
  layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digest('b'), size: 20 }],
  ...extra,
});
const bytes = (doc: unknown) => Buffer.from(JSON.stringify(doc));
const invalid = (e: unknown) => e instanceof RegistryError && e.code === 'MANIFEST_INVALID';

describe('parseManifest', () => {
  test('duplicate keys, deep nesting and non-string annotations are MANIFEST_INVALID', () => {
    const text = JSON.stringify(image());
    assert.throws(() => parseManifest(Buffer.from(`${text.slice(0, -1)},"layers":[]}`), MediaTypes.OciManifest), invalid);
    assert.throws(() => parseManifest(Buffer.from(`${text.slice(0, -1)},"x":${'['.repeat(100)}${']'.repeat(100)}}`), MediaTypes.OciManifest), invalid);
    assert.throws(() => parseManifest(bytes(image({ annotations: { a: ['b'] } })), MediaTypes.OciManifest), invalid);
    assert.equal(parseManifest(bytes(image({ annotations: { a: 'b' } })), MediaTypes.OciManifest).annotations?.['a'], 'b');
  });

  test('an OCI image lists config and layers as required blobs', () => {
    const parsed = parseManifest(bytes(image()), MediaTypes.OciManifest);
    assert.deepEqual(parsed.blobs.map((b) => b.digest), [digest('a'), digest('b')]);
    assert.equal(parsed.artifactType, 'application/vnd.oci.image.config.v1+json');
  });

  test('layers fetched from URLs are not required blobs; their URLs are to be checked', () => {
    const doc = image({
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', digest: digest('c'), size: 1 },
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digest('d'), size: 1, urls: ['https://example.com/x'] },
        { mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', digest: digest('e'), size: 1, urls: ['https://example.com/y'] },
        { mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest: digest('f'), size: 1, urls: ['https://example.com/z'] },
      ],
    });
    const parsed = parseManifest(bytes(doc), undefined);
    // A non-distributable layer without URLs and a layer type registry:2 never fetches from URLs are in the registry.
    assert.deepEqual(parsed.blobs.map((b) => b.digest), [digest('a'), digest('c'), digest('f')]);
    assert.deepEqual(parsed.urlLayers.map((l) => l.where), ['layers[1]', 'layers[2]']);
  });

  test('a foreign layer without URLs is MANIFEST_INVALID', () => {
    const doc = image({ layers: [{ mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', digest: digest('e'), size: 1 }] });
    assert.throws(() => parseManifest(bytes(doc), undefined), (e) => invalid(e) && /layers\[0\] is a foreign layer without urls/.test(String((e as RegistryError).detail)));
  });

  test('an index lists its children as required manifests and keeps the subject', () => {
    const doc = {
      schemaVersion: 2,
      mediaType: MediaTypes.OciIndex,
      manifests: [{ mediaType: MediaTypes.OciManifest, digest: digest('e'), size: 5, platform: { os: 'linux', architecture: 'amd64' } }],
      subject: { mediaType: MediaTypes.OciManifest, digest: digest('f'), size: 3 },
      artifactType: 'application/vnd.example',
    };
    const parsed = parseManifest(bytes(doc), MediaTypes.OciIndex);
    assert.deepEqual(parsed.manifests.map((m) => m.digest), [digest('e')]);
    assert.equal(parsed.subject?.digest, digest('f'));
    assert.equal(parsed.artifactType, 'application/vnd.example');
  });

  test('the media type may come from Content-Type alone', () => {
    const { mediaType, ...doc } = image();
    assert.equal(parseManifest(bytes(doc), `${MediaTypes.DockerManifest}; charset=utf-8`).mediaType, MediaTypes.DockerManifest);
    void mediaType;
  });

  const cases: [string, Buffer, string | undefined][] = [
    ['not JSON', Buffer.from('{"schemaVersion":'), undefined],
    ['a JSON array', Buffer.from('[]'), undefined],
    ['Content-Type disagreeing with mediaType', bytes(image()), MediaTypes.DockerManifest],
    ['schemaVersion 1', bytes(image({ schemaVersion: 1 })), undefined],
    ['schema1 media type', bytes({ schemaVersion: 1, name: 'x', tag: 'y', fsLayers: [] }), MediaTypes.DockerSchema1Signed],
    ['an unknown media type', bytes(image({ mediaType: 'application/x-unknown' })), undefined],
    ['a layer without a digest', bytes(image({ layers: [{ mediaType: 'x', size: 1 }] })), undefined],
    ['a negative size', bytes(image({ layers: [{ mediaType: 'x', digest: digest('b'), size: -1 }] })), undefined],
    ['a malformed layer digest', bytes(image({ layers: [{ mediaType: 'x', digest: 'sha256:xyz', size: 1 }] })), undefined],
    ['layers that are not a list', bytes(image({ layers: {} })), undefined],
    ['deeply nested JSON', Buffer.from('['.repeat(200_000) + ']'.repeat(200_000)), undefined],
  ];
  for (const [name, body, contentType] of cases) {
    test(`refuses ${name} with MANIFEST_INVALID`, () => assert.throws(() => parseManifest(body, contentType), invalid));
  }
});

describe('storedManifestMediaType', () => {
  test('reads mediaType, recognises schema1, never throws', () => {
    assert.equal(storedManifestMediaType(bytes(image())), MediaTypes.OciManifest);
    assert.equal(storedManifestMediaType(bytes({ schemaVersion: 1, signatures: [] })), MediaTypes.DockerSchema1Signed);
    assert.equal(storedManifestMediaType(Buffer.from('garbage')), MediaTypes.OciManifest);
  });
});
