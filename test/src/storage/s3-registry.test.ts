/**
 * Wharf on S3 (versitygw, a real S3 gateway) next to docker-registry 2.8.2 with its S3 driver:
 * one bucket shared both ways, docker through 307 redirects, one upload spread over two Wharf
 * processes, garbage collection compared with registry:2's, the object store stopped in the
 * middle of an upload, wrong credentials, and what is left in the buckets afterwards.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { UploadPurger } from '@wharf/registry-core';
import { createStorageDriver } from '@wharf/storage-drivers';
import { createTestBucket, S3_TEST_SERVER, s3TestSettings, type TestBucket } from '@wharf/storage-drivers/test-servers';
import { describeResponse, errorCodes, header, send, sha256 } from '../protocol/oci-http.js';
import { blobOf, imageManifest, locationOf, OCI_MANIFEST, putManifest, startUpload, withQuery, type Blob } from '../protocol/oci-operations.js';
import { dockerRoundTrip } from '../support/docker-round-trip.js';
import { docker, ensureDocker } from '../support/docker-cli.js';
import { run } from '../support/exec.js';
import { PrivateService, VERSITYGW } from '../support/private-service.js';
import { RegistryProcess, type S3Target } from '../support/registry-process.js';
import { repoRoot, systemTool } from '../support/tools.js';

const MiB = 1024 * 1024;
const ROOT = 'registry';

/** A blob of `size` bytes that is the same in every run with the same seed (GC compares digests across buckets). */
function seededBlob(seed: string, size: number): Blob {
  const out = Buffer.alloc(size);
  let block = createHash('sha512').update(seed).digest();
  for (let i = 0; i < size; i += block.length) {
    block.copy(out, i);
    block = createHash('sha512').update(block).digest();
  }
  return blobOf(out);
}

async function push(base: string, name: string, blob: Blob): Promise<void> {
  const upload = await startUpload(base, name);
  const put = await send(base, 'PUT', withQuery(upload, 'digest', blob.digest), {
    headers: { 'Content-Type': 'application/octet-stream' },
    body: blob.bytes,
  });
  assert.equal(put.status, 201, `PUT ${blob.digest} into ${name}: ${describeResponse(put)}`);
}

/** An image of a config and the given layers, tagged. Returns the manifest's digest. */
async function pushImage(base: string, name: string, tag: string, config: Blob, layers: Blob[]): Promise<string> {
  for (const blob of [config, ...layers]) await push(base, name, blob);
  const manifest = imageManifest(config, layers);
  const response = await putManifest(base, name, tag, manifest);
  assert.equal(response.status, 201, `PUT manifest ${name}:${tag}: ${describeResponse(response)}`);
  return sha256(manifest);
}

/** GET a blob the way a client does, following a redirect to the object store; returns its digest. */
async function pullBlob(base: string, name: string, digest: string): Promise<string> {
  const response = await fetch(`${base}/v2/${name}/blobs/${digest}`);
  assert.equal(response.status, 200, `GET blob ${digest} from ${name} (final ${response.url})`);
  return `sha256:${createHash('sha256').update(Buffer.from(await response.arrayBuffer())).digest('hex')}`;
}

async function pullManifest(base: string, name: string, reference: string): Promise<Buffer> {
  const response = await send(base, 'GET', `/v2/${name}/manifests/${reference}`, { headers: { Accept: OCI_MANIFEST } });
  assert.equal(response.status, 200, `GET manifest ${name}:${reference}: ${describeResponse(response)}`);
  return response.body;
}

async function patch(url: string, base: string, bytes: Buffer, offset: number) {
  return send(base, 'PATCH', url, {
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${offset}-${offset + bytes.length - 1}` },
    body: bytes,
  });
}

function target(bucket: TestBucket, endpoint = S3_TEST_SERVER.endpoint): S3Target {
  return { ...S3_TEST_SERVER, endpoint, bucket: bucket.name, rootDirectory: `/${ROOT}` };
}

/** Blob digests stored in a bucket (`<root>/docker/registry/v2/blobs/<alg>/<xx>/<hex>/data`). */
async function storedBlobs(bucket: TestBucket): Promise<string[]> {
  const { keys } = await bucket.contents();
  return keys
    .map((k) => /\/blobs\/([a-z0-9]+)\/[0-9a-f]{2}\/([0-9a-f]+)\/data$/.exec(k))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]}:${m[2]}`)
    .sort();
}

describe('S3 storage end to end (versitygw, docker-registry 2.8.2 alongside)', { timeout: 900_000 }, () => {
  const buckets: TestBucket[] = [];
  const registries: RegistryProcess[] = [];
  const bucket = async (label: string, endpoint?: string): Promise<TestBucket> => {
    const made = await createTestBucket(label, endpoint);
    buckets.push(made);
    return made;
  };
  const start = async (opts: Parameters<typeof RegistryProcess.start>[0]): Promise<RegistryProcess> => {
    const registry = await RegistryProcess.start(opts);
    registries.push(registry);
    return registry;
  };

  after(async () => {
    await Promise.all(registries.map((r) => r.dispose()));
    for (const b of buckets) await b.remove().catch(() => undefined);
  });

  describe('one bucket, two registries', () => {
    let shared: TestBucket;
    let reference: RegistryProcess;
    let wharf: RegistryProcess;

    before(async () => {
      shared = await bucket('shared');
      reference = await start({ kind: 'reference', storage: 's3', s3: target(shared) });
      wharf = await start({ kind: 'wharf', storage: 's3', s3: target(shared) });
    });

    it('an image docker-registry pushed (a 12 MiB multipart layer included) is pulled through Wharf', async () => {
      const layers = [seededBlob('ref-big', 12 * MiB + 5), seededBlob('ref-small', 3000)];
      const config = seededBlob('ref-config', 200);
      const digest = await pushImage(reference.url, 'diff/from-reference', 'v1', config, layers);

      const manifest = await pullManifest(wharf.url, 'diff/from-reference', 'v1');
      assert.equal(sha256(manifest), digest);
      for (const blob of [config, ...layers]) assert.equal(await pullBlob(wharf.url, 'diff/from-reference', blob.digest), blob.digest);
      const tags = await send(wharf.url, 'GET', '/v2/diff/from-reference/tags/list');
      assert.deepEqual(JSON.parse(tags.body.toString()), { name: 'diff/from-reference', tags: ['v1'] });
    });

    it('an image Wharf pushed in chunks of 6, 3 and 3 MiB is pulled through docker-registry', async () => {
      const big = seededBlob('wharf-big', 12 * MiB);
      const config = seededBlob('wharf-config', 300);
      await push(wharf.url, 'diff/from-wharf', config);
      let url = await startUpload(wharf.url, 'diff/from-wharf');
      for (const [from, to] of [[0, 6 * MiB], [6 * MiB, 9 * MiB], [9 * MiB, 12 * MiB]] as const) {
        const response = await patch(url, wharf.url, big.bytes.subarray(from, to), from);
        assert.equal(response.status, 202, describeResponse(response));
        url = locationOf(wharf.url, response);
      }
      const put = await send(wharf.url, 'PUT', withQuery(url, 'digest', big.digest));
      assert.equal(put.status, 201, describeResponse(put));
      const manifest = imageManifest(config, [big]);
      assert.equal((await putManifest(wharf.url, 'diff/from-wharf', 'v2', manifest)).status, 201);

      assert.equal(sha256(await pullManifest(reference.url, 'diff/from-wharf', 'v2')), sha256(manifest));
      for (const blob of [config, big]) assert.equal(await pullBlob(reference.url, 'diff/from-wharf', blob.digest), blob.digest);
      const catalog = await send(reference.url, 'GET', '/v2/_catalog');
      assert.deepEqual(JSON.parse(catalog.body.toString()).repositories, ['diff/from-reference', 'diff/from-wharf']);
      const ours = await send(wharf.url, 'GET', '/v2/_catalog');
      assert.deepEqual(JSON.parse(ours.body.toString()).repositories, ['diff/from-reference', 'diff/from-wharf']);
    });

    it('blob GET and HEAD answer 307 to a URL signed for 20 minutes; manifests are served, never redirected', async () => {
      const blob = seededBlob('redirected', 1000);
      await push(wharf.url, 'diff/redirect', blob);
      for (const method of ['GET', 'HEAD']) {
        const response = await send(wharf.url, method, `/v2/diff/redirect/blobs/${blob.digest}`);
        assert.equal(response.status, 307, `${method}: ${describeResponse(response)}`);
        const location = new URL(header(response, 'location') ?? '');
        assert.equal(location.origin, S3_TEST_SERVER.endpoint);
        assert.ok(location.pathname.startsWith(`/${shared.name}/${ROOT}/docker/registry/v2/blobs/`), location.pathname);
        assert.equal(location.searchParams.get('X-Amz-Expires'), '1200');
        assert.ok(location.searchParams.get('X-Amz-Signature'));
        const followed = await fetch(location, { method });
        assert.equal(followed.status, 200);
        assert.equal(followed.headers.get('content-length'), String(blob.bytes.length));
      }
      const manifest = imageManifest(blob, []);
      assert.equal((await putManifest(wharf.url, 'diff/redirect', 'm', manifest)).status, 201);
      const got = await send(wharf.url, 'GET', '/v2/diff/redirect/manifests/m', { headers: { Accept: OCI_MANIFEST } });
      assert.equal(got.status, 200, describeResponse(got));
    });
  });

  it('docker push, pull and run through Wharf with redirects on (the engine follows the 307 to the object store)', async () => {
    await ensureDocker();
    const wharf = await start({ kind: 'wharf', storage: 's3', s3: target(await bucket('docker')) });
    const made: string[] = [];
    try {
      const { digest } = await dockerRoundTrip(wharf.host, `s3/roundtrip-${randomBytes(3).toString('hex')}`, made);
      assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    } finally {
      for (const ref of made.reverse()) await docker(['rmi', '-f', ref], { allowFailure: true });
    }
  });

  it('one chunked upload spread over two Wharf processes (6, 3 and 1 MiB) completes with the right digest', async () => {
    const b = await bucket('replicas');
    const [first, second] = [await start({ kind: 'wharf', storage: 's3', s3: target(b) }), await start({ kind: 'wharf', storage: 's3', s3: target(b) })];
    const blob = seededBlob('replicas', 10 * MiB);
    const pathOfUpload = new URL(await startUpload(first.url, 'replicas/app')).pathname;
    let url = pathOfUpload;
    const steps: [RegistryProcess, number, number][] = [[first, 0, 6 * MiB], [second, 6 * MiB, 9 * MiB], [first, 9 * MiB, 10 * MiB]];
    for (const [registry, from, to] of steps) {
      const response = await patch(url, registry.url, blob.bytes.subarray(from, to), from);
      assert.equal(response.status, 202, `PATCH ${from}-${to - 1} on ${registry.host}: ${describeResponse(response)}`);
      assert.equal(header(response, 'range'), `0-${to - 1}`);
      url = new URL(locationOf(registry.url, response)).pathname;
    }
    const status = await send(second.url, 'GET', url);
    assert.equal(status.status, 204, describeResponse(status));
    assert.equal(header(status, 'range'), `0-${blob.bytes.length - 1}`);
    const put = await send(second.url, 'PUT', withQuery(`${second.url}${url}`, 'digest', blob.digest));
    assert.equal(put.status, 201, describeResponse(put));
    assert.equal(await pullBlob(first.url, 'replicas/app', blob.digest), blob.digest);
    const { keys, uploads } = await b.contents();
    assert.deepEqual(keys.filter((k) => k.includes('/_uploads/')), [], 'the finished upload left files');
    assert.deepEqual(uploads, [], 'the finished upload left a multipart upload');
  });

  it('garbage-collect on S3 deletes exactly what docker-registry garbage-collect deletes', async () => {
    const sandbox = mkdtempSync(join(tmpdir(), 'wharf-s3-gc-'));
    try {
      const pair = [await bucket('gc-reference'), await bucket('gc-wharf')];
      const configs: string[] = [];
      for (const [i, b] of pair.entries()) {
        const registry = await start({ kind: 'wharf', storage: 's3', s3: target(b) });
        const shared = seededBlob('gc-shared', 40_000);
        await pushImage(registry.url, 'gc/app', 'keep', seededBlob('gc-keep-config', 100), [shared, seededBlob('gc-keep', 300_000)]);
        const doomed = await pushImage(registry.url, 'gc/app', 'gone', seededBlob('gc-gone-config', 100), [shared, seededBlob('gc-gone', 200_000)]);
        const deleted = await send(registry.url, 'DELETE', `/v2/gc/app/manifests/${doomed}`);
        assert.equal(deleted.status, 202, describeResponse(deleted));
        await registry.stop();
        const config = join(sandbox, `config-${i}.yml`);
        const t = target(b);
        writeFileSync(config, stringify({
          version: 0.1,
          log: { level: 'warn' },
          storage: { s3: { region: 'us-east-1', regionendpoint: t.endpoint, bucket: t.bucket, accesskey: t.accessKey, secretkey: t.secretKey, secure: false, rootdirectory: t.rootDirectory } },
        }));
        configs.push(config);
      }
      const before = await storedBlobs(pair[0]!);
      assert.deepEqual(await storedBlobs(pair[1]!), before, 'both buckets start alike');
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'AWS_CA_BUNDLE'));
      const theirs = await run(systemTool('docker-registry'), ['garbage-collect', configs[0]!], { env, allowFailure: true });
      assert.equal(theirs.code, 0, theirs.stderr);
      const ours = await run(process.execPath, [join(repoRoot, 'bin', 'wharf'), 'garbage-collect', configs[1]!], { env, allowFailure: true });
      assert.equal(ours.code, 0, ours.stderr);
      const [left, right] = [await storedBlobs(pair[0]!), await storedBlobs(pair[1]!)];
      assert.ok(left.length < before.length, `docker-registry deleted nothing (${before.length} blobs)`);
      assert.deepEqual(right, left, 'Wharf kept other blobs than docker-registry');
    } finally {
      rmSync(sandbox, { recursive: true, force: true });
    }
  });

  it('upload purging aborts the multipart uploads docker-registry leaves behind when it purges a folder', async () => {
    const b = await bucket('purge');
    const reference = await start({ kind: 'reference', storage: 's3', s3: target(b) });
    const url = await startUpload(reference.url, 'purge/app');
    const chunk = await send(reference.url, 'PATCH', url, { headers: { 'Content-Type': 'application/octet-stream' }, body: randomBytes(6 * MiB) });
    assert.equal(chunk.status, 202, describeResponse(chunk));
    await reference.stop();
    // what registry:2's purger does with an old upload: its folder's objects go, its multipart upload stays
    const { keys } = await b.contents();
    const folder = keys.filter((k) => k.includes('/_uploads/'));
    assert.ok(folder.length > 0, 'docker-registry wrote the upload folder');
    await b.deleteKeys(folder);
    assert.equal((await b.contents()).uploads.length, 1, 'the orphaned multipart upload is there');

    const driver = createStorageDriver({ driver: 's3', ...s3TestSettings(b.name, { rootDirectory: `/${ROOT}` }) });
    try {
      const report = await new UploadPurger(driver, { ageMs: 0, dryRun: false }).purgeOnce();
      assert.equal(report.orphanedWrites.length, 1, JSON.stringify(report));
      assert.match(report.orphanedWrites[0]!, /^\/docker\/registry\/v2\/repositories\/purge\/app\/_uploads\/[0-9a-f-]{36}\/data$/);
    } finally {
      await driver.close?.();
    }
    assert.deepEqual((await b.contents()).uploads, []);
  });

  it('the object store stopped mid-upload: the client gets an error, and the upload resumes when it is back', async () => {
    const store = await PrivateService.launch(VERSITYGW);
    try {
      const endpoint = `http://127.0.0.1:${store.port}`;
      const b = await bucket('outage', endpoint);
      const wharf = await start({ kind: 'wharf', storage: 's3', s3: target(b, endpoint) });
      const blob = seededBlob('outage', 8 * MiB);
      let url = await startUpload(wharf.url, 'outage/app');
      const first = await patch(url, wharf.url, blob.bytes.subarray(0, 6 * MiB), 0);
      assert.equal(first.status, 202, describeResponse(first));
      url = locationOf(wharf.url, first);

      await store.stop();
      const started = Date.now();
      const failed = await patch(url, wharf.url, blob.bytes.subarray(6 * MiB), 6 * MiB);
      assert.ok(failed.status >= 500, `a PATCH while the store is down must fail: ${describeResponse(failed)}`);
      assert.ok(errorCodes(failed)?.length, `an OCI error body: ${describeResponse(failed)}`);
      assert.ok(Date.now() - started < 60_000, `the error took ${Date.now() - started} ms`);

      await store.start();
      const status = await send(wharf.url, 'GET', url);
      assert.equal(status.status, 204, describeResponse(status));
      assert.equal(header(status, 'range'), `0-${6 * MiB - 1}`, 'the bytes before the outage are kept');
      const rest = await patch(url, wharf.url, blob.bytes.subarray(6 * MiB), 6 * MiB);
      assert.equal(rest.status, 202, describeResponse(rest));
      const put = await send(wharf.url, 'PUT', withQuery(locationOf(wharf.url, rest), 'digest', blob.digest));
      assert.equal(put.status, 201, describeResponse(put));
      assert.equal(await pullBlob(wharf.url, 'outage/app', blob.digest), blob.digest);
      await wharf.stop();
      await b.remove();
      buckets.splice(buckets.indexOf(b), 1);
    } finally {
      await store.dispose();
    }
  });

  it('storage.oss (registry:2\'s keys) goes through OSS\'s S3 API: push and pull on a store signed for an OSS region', async () => {
    const store = await PrivateService.launch(VERSITYGW, { WHARF_VERSITYGW_REGION: 'cn-hangzhou' });
    try {
      const endpoint = `http://127.0.0.1:${store.port}`;
      const b = await createTestBucket('oss', endpoint, 'cn-hangzhou');
      const wharf = await start({ kind: 'wharf', storage: 's3', s3: { ...target(b, endpoint), ossRegion: 'oss-cn-hangzhou' } });
      const layer = seededBlob('oss-layer', 6 * MiB + 1);
      const config = seededBlob('oss-config', 100);
      const digest = await pushImage(wharf.url, 'oss/app', 'v1', config, [layer]);
      assert.equal(sha256(await pullManifest(wharf.url, 'oss/app', 'v1')), digest);
      const redirect = await send(wharf.url, 'GET', `/v2/oss/app/blobs/${layer.digest}`);
      assert.equal(redirect.status, 307, describeResponse(redirect));
      assert.match(header(redirect, 'location') ?? '', /X-Amz-Credential=[^&]*%2Fcn-hangzhou%2Fs3%2Faws4_request/);
      assert.equal(await pullBlob(wharf.url, 'oss/app', layer.digest), layer.digest);
      const { keys } = await b.contents();
      assert.ok(keys.includes(`${ROOT}/docker/registry/v2/repositories/oss/app/_manifests/tags/v1/current/link`), keys.join('\n'));
      await wharf.stop();
      await b.remove();
    } finally {
      await store.dispose();
    }
  });

  it('wrong credentials: Wharf refuses to start and says the store refused them', async () => {
    const b = await bucket('credentials');
    await assert.rejects(
      RegistryProcess.start({ kind: 'wharf', storage: 's3', s3: { ...target(b), secretKey: 'not-the-secret' } }),
      (err: Error) => {
        assert.match(err.message, /storage\.s3: the object store refused the configured credentials or bucket/);
        assert.match(err.message, /SignatureDoesNotMatch|InvalidAccessKeyId|AccessDenied/);
        assert.doesNotMatch(err.message, /not-the-secret/);
        return true;
      },
    );
  });

  it('left nothing stray in any bucket: no upload folders, multipart uploads or pending pieces', async () => {
    for (const b of buckets) {
      const { keys, uploads } = await b.contents();
      assert.deepEqual(uploads, [], `${b.name}: unfinished multipart uploads`);
      assert.deepEqual(keys.filter((k) => k.includes('/_uploads/') || k.includes('~')), [], `${b.name}: upload leftovers`);
      assert.deepEqual(keys.filter((k) => !k.startsWith(`${ROOT}/docker/registry/v2/`)), [], `${b.name}: keys outside the root directory`);
    }
  });
});
