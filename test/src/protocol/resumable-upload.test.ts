/**
 * Resumable chunked uploads (distribution-spec "Pushing a blob in chunks"): the upload offset
 * survives a crash of the registry process, out-of-order chunks are refused with 416 without
 * breaking the session, and a PATCH without Content-Range streams onto the end of the upload.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { describeResponse, errorCodes, header, send, sha256, type HttpResponse } from './oci-http.js';
import { locationOf, OCI_ERROR_CODES, randomBlob, startUpload, withQuery, type Blob } from './oci-operations.js';
import { LaunchedRegistry, referenceGap, targetKind } from './registry-launcher.js';

const MiB = 1024 * 1024;

describe(`resumable upload (${targetKind()})`, { timeout: 180_000 }, () => {
  let registry: LaunchedRegistry;
  let base: string;

  before(async () => {
    // A fixed http.secret: registry:2 signs upload state into the Location URL and must verify it after a restart.
    registry = await LaunchedRegistry.launch({ kind: targetKind(), httpSecret: `protocol-${randomUUID()}` });
    base = registry.baseUrl;
  });
  after(async () => {
    await registry?.dispose();
  });

  it('resumes a chunked upload after the registry is SIGKILLed and restarted on the same storage', async () => {
    const name = 'resume/after-crash';
    const blob = randomBlob(5 * MiB + 123);
    const first = 2 * MiB + 7;

    const started = await send(base, 'POST', `/v2/${name}/blobs/uploads/`, { headers: { 'Content-Length': 0 } });
    assert.equal(started.status, 202, describeResponse(started));
    const uuid = header(started, 'docker-upload-uuid');
    assert.ok(uuid, 'POST must name the session in Docker-Upload-UUID');

    const patched = await patchChunk(base, locationOf(base, started), blob.bytes.subarray(0, first), 0);
    assert.equal(patched.status, 202, describeResponse(patched));
    assert.equal(header(patched, 'range'), `0-${first - 1}`);
    const uploadUrl = locationOf(base, patched);

    await registry.kill();
    await registry.start();

    const status = await send(base, 'GET', uploadUrl);
    assert.equal(status.status, 204, `GET upload after restart: ${describeResponse(status)}`);
    assert.equal(header(status, 'range'), `0-${first - 1}`, 'the offset must survive the crash');
    assert.equal(header(status, 'docker-upload-uuid'), uuid);
    assert.equal(status.body.length, 0);
    const resumeUrl = locationOf(base, status);

    const rest = await patchChunk(base, resumeUrl, blob.bytes.subarray(first), first);
    assert.equal(rest.status, 202, `PATCH the rest: ${describeResponse(rest)}`);
    assert.equal(header(rest, 'range'), `0-${blob.bytes.length - 1}`);

    await finishAndVerify(base, name, locationOf(base, rest), blob);
  });

  it('refuses a PATCH whose Content-Range does not start at the current offset with 416 and keeps the session', referenceGap('2.8.2 ignores Content-Range on PATCH and appends (202)'), async () => {
    const name = 'resume/out-of-order';
    const blob = randomBlob(3 * MiB);
    const first = MiB;

    const patched = await patchChunk(base, await startUpload(base, name), blob.bytes.subarray(0, first), 0);
    assert.equal(patched.status, 202, describeResponse(patched));
    const uploadUrl = locationOf(base, patched);

    for (const start of [first + 10, first - 10, 0]) {
      const skipped = await patchChunk(base, uploadUrl, blob.bytes.subarray(start, start + 1000), start);
      assert.equal(skipped.status, 416, `PATCH starting at ${start} of ${first}: ${describeResponse(skipped)}`);
    }

    const status = await send(base, 'GET', uploadUrl);
    assert.equal(status.status, 204, describeResponse(status));
    assert.equal(header(status, 'range'), `0-${first - 1}`, 'a refused chunk must not move the offset');

    const rest = await patchChunk(base, locationOf(base, status), blob.bytes.subarray(first), first);
    assert.equal(rest.status, 202, describeResponse(rest));
    await finishAndVerify(base, name, locationOf(base, rest), blob);
  });

  it('names the current offset in a Range header on the 416 answer, with a spec error code', referenceGap('2.8.2 ignores Content-Range on PATCH and appends (202)'), async () => {
    const name = 'resume/range-on-416';
    const blob = randomBlob(64 * 1024);
    const patched = await patchChunk(base, await startUpload(base, name), blob.bytes.subarray(0, 1000), 0);
    assert.equal(patched.status, 202, describeResponse(patched));
    const uploadUrl = locationOf(base, patched);
    const skipped = await patchChunk(base, uploadUrl, blob.bytes.subarray(2000, 3000), 2000);
    assert.equal(skipped.status, 416, describeResponse(skipped));
    assert.equal(header(skipped, 'range'), '0-999');
    assertSpecErrorBody(skipped);
    await send(base, 'DELETE', uploadUrl);
  });

  it('appends streamed PATCHes (chunked transfer encoding, no Content-Range) and completes with PUT', async () => {
    const name = 'resume/streamed';
    const blob = randomBlob(3 * MiB + 5);
    const half = Math.floor(blob.bytes.length / 2);

    const first = await send(base, 'PATCH', await startUpload(base, name), {
      headers: { 'Content-Type': 'application/octet-stream' },
      body: pieces(blob.bytes.subarray(0, half), 64 * 1024),
    });
    assert.equal(first.status, 202, describeResponse(first));
    assert.equal(header(first, 'range'), `0-${half - 1}`);

    const second = await send(base, 'PATCH', locationOf(base, first), {
      headers: { 'Content-Type': 'application/octet-stream' },
      body: pieces(blob.bytes.subarray(half), 100_000),
    });
    assert.equal(second.status, 202, describeResponse(second));
    assert.equal(header(second, 'range'), `0-${blob.bytes.length - 1}`);

    await finishAndVerify(base, name, locationOf(base, second), blob);
  });
});

function patchChunk(base: string, url: string, chunk: Buffer, start: number): Promise<HttpResponse> {
  return send(base, 'PATCH', url, {
    headers: {
      'Content-Type': 'application/octet-stream',
      'Content-Range': `${start}-${start + chunk.length - 1}`,
    },
    body: chunk,
  });
}

/** Closing PUT with no body, then a GET of the blob must give back the same bytes. */
async function finishAndVerify(base: string, name: string, uploadUrl: string, blob: Blob): Promise<void> {
  const done = await send(base, 'PUT', withQuery(uploadUrl, 'digest', blob.digest), { headers: { 'Content-Length': 0 } });
  assert.equal(done.status, 201, `closing PUT: ${describeResponse(done)}`);
  assert.ok(header(done, 'location'), '201 must carry the blob Location');
  assert.equal(header(done, 'docker-content-digest'), blob.digest);

  const pulled = await send(base, 'GET', `/v2/${name}/blobs/${blob.digest}`);
  assert.equal(pulled.status, 200, describeResponse(pulled));
  assert.equal(pulled.body.length, blob.bytes.length);
  assert.equal(sha256(pulled.body), blob.digest);
  assert.equal(header(pulled, 'docker-content-digest'), blob.digest);
}

function assertSpecErrorBody(response: HttpResponse): void {
  const codes = errorCodes(response);
  if (codes === null) return; // a 4xx body MAY be in any format; if it is JSON it must be the spec's shape
  for (const code of codes) assert.ok(OCI_ERROR_CODES.has(code), `error code ${code} is not in the spec's table`);
}

function* pieces(bytes: Buffer, size: number): Generator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}
