// The swift driver against the real one-node Swift: Swift going away in the middle of an upload, and
// credentials it refuses. (Uploads moved between replicas: object-store-registry.test.ts.)
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeResponse, send, sha256 } from '../protocol/oci-http.js';
import { locationOf, patchChunk as patch, slowPatch, startUpload, uploadOffset, withQuery } from '../protocol/oci-operations.js';
import { RegistryProcess } from '../support/registry-process.js';
import { PrivateSwiftProxy, SwiftContainer, uniqueContainer } from '../support/swift.js';

const MiB = 1024 * 1024;

describe('swift storage', () => {
  const containers: SwiftContainer[] = [];
  const registries: RegistryProcess[] = [];
  after(async () => {
    await Promise.all(registries.map((r) => r.dispose()));
    for (const c of containers) await c.drop();
  });

  async function wharf(container: SwiftContainer, swift: Record<string, unknown> = {}): Promise<RegistryProcess> {
    const reg = await RegistryProcess.start({
      kind: 'wharf',
      storage: 'swift',
      objectStore: container.name,
      driverKeys: swift,
    });
    registries.push(reg);
    return reg;
  }

  function newContainer(label: string): SwiftContainer {
    const container = new SwiftContainer(uniqueContainer(label));
    containers.push(container);
    return container;
  }

  test('Swift stopped in the middle of a chunk: the client gets an error, the upload resumes once it is back', { timeout: 4 * 60_000 }, async () => {
    const container = newContainer('outage');
    const proxy = await PrivateSwiftProxy.start();
    try {
      const reg = await wharf(container, { authurl: proxy.authUrl });
      const name = 'outage/blob';
      const blob = randomBytes(8 * MiB);
      const digest = sha256(blob);
      const upload = await startUpload(reg.url, name);
      const first = await patch(reg.url, upload, blob.subarray(0, 2 * MiB), 0);
      assert.equal(first.status, 202, `first chunk: ${describeResponse(first)}`);

      // a chunk that streams slowly; Swift goes away once part of it has gone through
      const chunk = slowPatch(reg.url, locationOf(reg.url, first), blob.subarray(2 * MiB));
      const interrupted = chunk.answer.then(
        (res) => `HTTP ${res.status}`,
        (err: Error) => `connection error ${err.message}`,
      );
      await chunk.sent(3 * MiB);
      await proxy.halt();
      const outcome = await interrupted;
      assert.doesNotMatch(outcome, /^HTTP 20\d/, `the interrupted chunk was answered ${outcome}`);
      const down = await send(reg.url, 'GET', upload);
      assert.ok(down.status >= 500, `status while Swift is down: ${describeResponse(down)}`);

      await proxy.resume();
      const offset = await uploadOffset(reg.url, upload);
      assert.ok(offset >= 2 * MiB && offset <= 8 * MiB, `the upload kept at least the first chunk: offset ${offset}`);
      const resumed = await patch(reg.url, upload, blob.subarray(offset), offset);
      assert.equal(resumed.status, 202, `resumed chunk from ${offset}: ${describeResponse(resumed)}`);
      const done = await send(reg.url, 'PUT', withQuery(locationOf(reg.url, resumed), 'digest', digest));
      assert.equal(done.status, 201, `PUT ?digest: ${describeResponse(done)}`);
      // as a client pulls it: redirects (on by default) lead to a Swift temp URL
      const res = await fetch(`${reg.url}/v2/${name}/blobs/${digest}`);
      assert.equal(res.status, 200, `GET the blob (final ${res.url})`);
      assert.equal(sha256(Buffer.from(await res.arrayBuffer())), digest, 'the blob assembled across the outage');
      assert.deepEqual((await container.strays()).slice(0, 20), [], 'no upload folder or segment is left over');
    } finally {
      await proxy.dispose();
    }
  });

  test('wrong credentials are named at start-up and in the answer to a push', { timeout: 2 * 60_000 }, async () => {
    const container = newContainer('badauth');
    const reg = await wharf(container, { password: 'not-the-key' });
    const deadline = Date.now() + 30_000;
    while (!reg.logs.includes('swift authentication failed') && Date.now() < deadline) await sleep(100);
    assert.match(reg.logs, /swift authentication failed for user wharf:tester at http:\/\/127\.0\.0\.1:\d+\/auth\/v1\.0: wrong username or password \(HTTP 401\)/);
    const push = await send(reg.url, 'POST', '/v2/badauth/blob/blobs/uploads/', { headers: { 'Content-Length': 0 } });
    assert.ok(push.status >= 500, `a push without usable storage: ${describeResponse(push)}`);
    assert.deepEqual(await container.objects(), [], 'nothing was written');
  });
});
