// Wharf on the azure, gcs and swift drivers (Azurite, fake-gcs-server, scripts/swift.sh's Swift): what a
// user does with a registry on object storage. (Swift against docker-registry: clients/reference-compat.)
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ensureDocker, dockerRemoveImage } from '../support/docker-cli.js';
import { dockerRoundTrip } from '../support/docker-round-trip.js';
import { uniqueName } from '../support/images.js';
import { RegistryProcess, type ObjectStoreKind } from '../support/registry-process.js';

const MiB = 1024 * 1024;

for (const storage of ['azure', 'gcs', 'swift'] as ObjectStoreKind[]) {
  describe(`Wharf on the ${storage} driver`, () => {
    let first: RegistryProcess;
    let second: RegistryProcess;
    const images: string[] = [];

    before(async () => {
      await ensureDocker();
      first = await RegistryProcess.start({ kind: 'wharf', storage });
      // a second replica on the same container or bucket, as behind a load balancer
      second = await RegistryProcess.start({ kind: 'wharf', storage, ...(first.objectStore ? { objectStore: first.objectStore } : {}) });
    });

    after(async () => {
      for (const ref of images) await dockerRemoveImage(ref);
      await second?.dispose();
      await first?.dispose();
    });

    test('docker push, pull and run; the other replica serves the same image', async () => {
      const repo = uniqueName(`${storage}/roundtrip`);
      const { digest } = await dockerRoundTrip(first.host, repo, images);
      const manifest = await fetch(`${second.url}/v2/${repo}/manifests/v1`, {
        headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' },
      });
      assert.equal(manifest.status, 200);
      assert.equal(manifest.headers.get('docker-content-digest'), digest);
    });

    test('one chunked upload moved between two processes (6, 3 and 1 MiB chunks) completes with the right digest', async () => {
      const repo = uniqueName(`${storage}/chunked`);
      const blob = randomBytes(10 * MiB);
      const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
      const start = await fetch(`${first.url}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
      assert.equal(start.status, 202, await start.text());
      // the upload's own path, sent to whichever replica takes each request
      let path = new URL(start.headers.get('location') ?? '', first.url);
      const chunks = [
        { bytes: blob.subarray(0, 6 * MiB), to: second },
        { bytes: blob.subarray(6 * MiB, 9 * MiB), to: first },
        { bytes: blob.subarray(9 * MiB), to: second },
      ];
      let offset = 0;
      for (const { bytes, to } of chunks) {
        const status = await fetch(new URL(path.pathname + path.search, to.url));
        assert.equal(status.status, 204, `GET of the upload on ${to.host} before byte ${offset}`);
        assert.equal(status.headers.get('range'), offset === 0 ? '0-0' : `0-${offset - 1}`, 'the offset another process left');
        const patch = await fetch(new URL(path.pathname + path.search, to.url), {
          method: 'PATCH',
          headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${offset}-${offset + bytes.length - 1}` },
          body: bytes,
        });
        assert.equal(patch.status, 202, `PATCH at ${offset} on ${to.host}: ${await patch.text()}`);
        offset += bytes.length;
        assert.equal(patch.headers.get('range'), `0-${offset - 1}`);
        path = new URL(patch.headers.get('location') ?? '', to.url);
      }
      const put = new URL(path.pathname + path.search, first.url);
      put.searchParams.set('digest', digest);
      const done = await fetch(put, { method: 'PUT' });
      assert.equal(done.status, 201, await done.text());
      for (const reg of [first, second]) {
        const got = await fetch(`${reg.url}/v2/${repo}/blobs/${digest}`);
        assert.equal(got.status, 200);
        const body = Buffer.from(await got.arrayBuffer());
        assert.equal(`sha256:${createHash('sha256').update(body).digest('hex')}`, digest, `the blob ${reg.host} serves`);
      }
    });
  });
}
