/**
 * Wharf's `limits:` section against a real registry process: oversized request heads and
 * manifests, clients that are slow to send their head or their body, and upload sessions left
 * alone. Each limit is set low so the test is quick; the defaults are checked in libs/config.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeResponse, errorCodes, header, send, sendTolerant, sha256 } from './oci-http.js';
import { imageManifest, locationOf, OCI_MANIFEST, pushImage, putManifest, startUpload, withQuery, type Image } from './oci-operations.js';
import { RegistryProcess } from '../support/registry-process.js';
import { assertConfined } from '../support/storage-walk.js';

const MiB = 1024 * 1024;
const LIMITS = {
  maxheaderbytes: 4096,
  maxmanifestbytes: 5 * MiB,
  headertimeout: '1s',
  bodyidletimeout: '1s',
  uploadexpiry: '2s',
};
const octet = { 'Content-Type': 'application/octet-stream' };

/** A raw connection the test drives byte by byte; `closed` resolves with what the server sent when it hangs up. */
function rawConnection(base: string): Promise<{ socket: Socket; closed: Promise<{ received: string; afterMs: number }> }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('connect', () => {
      const opened = Date.now();
      const closed = new Promise<{ received: string; afterMs: number }>((resolveClosed) => {
        socket.once('close', () => resolveClosed({ received: Buffer.concat(chunks).toString('latin1'), afterMs: Date.now() - opened }));
      });
      socket.on('error', () => undefined);
      resolve({ socket, closed });
    });
    socket.once('error', reject);
  });
}

function uuidOf(uploadUrl: string): string {
  return new URL(uploadUrl).pathname.split('/').pop()!;
}

describe('limits: request heads, manifests, slow clients and upload expiry', { timeout: 120_000 }, () => {
  let registry: RegistryProcess;
  let base: string;
  let seed: Image;

  before(async () => {
    registry = await RegistryProcess.start({ storage: 'filesystem', extraConfig: { limits: LIMITS } });
    base = registry.url;
    seed = await pushImage(base, 'limits/seed', 'v1');
  });
  after(async () => {
    await registry?.dispose();
  });

  it('a request head over maxheaderbytes gets 431 with an OCI error body; one under it is served', async () => {
    const big = await send(base, 'GET', '/v2/', { headers: { 'X-Padding': 'a'.repeat(5000) } });
    assert.equal(big.status, 431, describeResponse(big));
    assert.deepEqual(errorCodes(big), ['SIZE_INVALID']);
    const fits = await send(base, 'GET', '/v2/', { headers: { 'X-Padding': 'a'.repeat(3000) } });
    assert.equal(fits.status, 200, describeResponse(fits));
  });

  it('a manifest over maxmanifestbytes gets 413; one just under it is stored', async () => {
    const sized = (size: number): Buffer => {
      const bare = imageManifest(seed.config, [seed.layer], { pad: '' });
      return imageManifest(seed.config, [seed.layer], { pad: 'x'.repeat(size - bare.length) });
    };
    const over = await sendTolerant(base, 'PUT', '/v2/limits/seed/manifests/too-big', { 'Content-Type': OCI_MANIFEST }, sized(5 * MiB + 1));
    assert.equal(over?.status, 413, describeResponse(over));
    assert.deepEqual(errorCodes(over!), ['MANIFEST_INVALID']);
    const under = await putManifest(base, 'limits/seed', 'just-fits', sized(5 * MiB));
    assert.equal(under.status, 201, describeResponse(under));
  });

  it('a client that does not finish its request head within headertimeout is disconnected', async () => {
    const { socket, closed } = await rawConnection(base);
    socket.write('GET /v2/ HTTP/1.1\r\nHost: wharf\r\nX-Slow: ');
    const outcome = await Promise.race([closed, sleep(8_000).then(() => undefined)]);
    socket.destroy();
    assert.ok(outcome, 'the connection must be closed by the registry');
    assert.doesNotMatch(outcome.received, /^HTTP\/1\.1 200/, 'a slow head must not be served');
    assert.ok(outcome.afterMs >= 900, `cut after ${outcome.afterMs} ms, before the 1s limit`);
  });

  it('a slow-drip upload is cut after bodyidletimeout, and the upload resumes from the bytes that arrived', async () => {
    const blob = randomBytes(3000);
    const upload = await startUpload(base, 'limits/drip');
    const url = new URL(upload);
    const { socket, closed } = await rawConnection(base);
    socket.write(`PATCH ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${blob.length}\r\n\r\n`);
    socket.write(blob.subarray(0, 1000));
    const outcome = await Promise.race([closed, sleep(8_000).then(() => undefined)]);
    socket.destroy();
    assert.ok(outcome, 'a body that stops arriving must be cut');
    assert.ok(outcome.afterMs >= 900, `cut after ${outcome.afterMs} ms, before the 1s limit`);

    let status = await send(base, 'GET', upload);
    for (let i = 0; i < 20 && header(status, 'range') !== '0-999'; i++) {
      await sleep(100);
      status = await send(base, 'GET', upload);
    }
    assert.equal(status.status, 204, describeResponse(status));
    assert.equal(header(status, 'range'), '0-999', 'the upload keeps the bytes received before the cut');
    const rest = await send(base, 'PATCH', upload, { headers: { ...octet, 'Content-Range': `1000-${blob.length - 1}` }, body: blob.subarray(1000) });
    assert.equal(rest.status, 202, describeResponse(rest));
    const done = await send(base, 'PUT', withQuery(locationOf(base, rest), 'digest', sha256(blob)));
    assert.equal(done.status, 201, describeResponse(done));
    const pulled = await send(base, 'GET', `/v2/limits/drip/blobs/${sha256(blob)}`);
    assert.equal(sha256(pulled.body), sha256(blob));
  });

  it('a body that keeps arriving slowly (a byte every 300 ms, under the idle limit) is not cut', async () => {
    const blob = randomBytes(8);
    async function* drip(): AsyncGenerator<Buffer> {
      for (const byte of blob) {
        await sleep(300);
        yield Buffer.from([byte]);
      }
    }
    const response = await send(base, 'POST', `/v2/limits/steady/blobs/uploads/?digest=${sha256(blob)}`, { headers: octet, body: drip() });
    assert.equal(response.status, 201, describeResponse(response));
  });

  it('an upload that received nothing for uploadexpiry is gone (404 BLOB_UPLOAD_UNKNOWN) with its files; an active one is kept', async () => {
    const idle = await startUpload(base, 'limits/expiry');
    const active = await startUpload(base, 'limits/expiry');
    const first = await send(base, 'PATCH', idle, { headers: { ...octet, 'Content-Range': '0-9' }, body: randomBytes(10) });
    assert.equal(first.status, 202, describeResponse(first));
    let activeUrl = active;
    for (let i = 0; i < 5; i++) {
      const chunk = await send(base, 'PATCH', activeUrl, { headers: { ...octet, 'Content-Range': `${i * 10}-${i * 10 + 9}` }, body: randomBytes(10) });
      assert.equal(chunk.status, 202, describeResponse(chunk));
      activeUrl = locationOf(base, chunk);
      await sleep(600);
    }
    const gone = await send(base, 'GET', idle);
    assert.equal(gone.status, 404, describeResponse(gone));
    assert.deepEqual(errorCodes(gone), ['BLOB_UPLOAD_UNKNOWN']);
    const patchGone = await send(base, 'PATCH', idle, { headers: { ...octet, 'Content-Range': '10-19' }, body: randomBytes(10) });
    assert.equal(patchGone.status, 404, describeResponse(patchGone));
    const dir = join(registry.storageRoot!, 'docker/registry/v2/repositories/limits/expiry/_uploads', uuidOf(idle));
    assert.equal(existsSync(dir), false, `${dir} must be removed`);
    const kept = await send(base, 'GET', activeUrl);
    assert.equal(kept.status, 204, describeResponse(kept));
    assert.equal(header(kept, 'range'), '0-49');
  });

  it('is still up, serves a normal push, and kept to its storage root', async () => {
    const image = await pushImage(base, 'limits/after', 'ok');
    const pulled = await send(base, 'GET', '/v2/limits/after/manifests/ok', { headers: { Accept: OCI_MANIFEST } });
    assert.equal(pulled.status, 200, describeResponse(pulled));
    assert.equal(sha256(pulled.body), image.digest);
    assertConfined(registry.storageRoot!);
  });
});
