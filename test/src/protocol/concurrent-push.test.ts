/**
 * Concurrent pushes of one layer (distribution-spec "Layer Upload De-duplication": if two clients
 * upload the same layer at the same time both proceed and the content is stored once). Clients
 * here run in lock-step so their PATCHes and closing PUTs really overlap, then the storage root is
 * inspected: one blob file, a layer link per repository, no upload leftovers, no stray files.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeResponse, header, send, sha256, type HttpResponse } from './oci-http.js';
import {
  blobDataPath, layerLinkPath, layoutViolations, locationOf, randomBlob, readText, uploadLeftovers, walkFiles, withQuery,
  type Blob,
} from './oci-operations.js';
import { RegistryProcess, targetKind } from '../support/registry-process.js';

const MiB = 1024 * 1024;
const LAYER_SIZE = 16 * MiB;
const CHUNK = 4 * MiB;

type Mode = 'chunked' | 'monolithic';

interface Client {
  name: string;
  agent: Agent;
  uploadUrl?: string;
}

describe(`concurrent push of one 16 MiB layer (${targetKind()})`, { timeout: 180_000 }, () => {
  let registry: RegistryProcess;
  let base: string;
  const pushed: Blob[] = [];

  before(async () => {
    registry = await RegistryProcess.start({ kind: targetKind(), storage: 'filesystem' });
    base = registry.url;
  });
  after(async () => {
    await registry?.dispose();
  });

  const scenarios: { title: string; repositories: string[]; mode: Mode }[] = [
    { title: 'two clients, two repositories, chunked PATCHes in lock-step', repositories: ['race/alpha', 'race/beta'], mode: 'chunked' },
    { title: 'two clients, the same repository, chunked PATCHes in lock-step', repositories: ['race/same', 'race/same'], mode: 'chunked' },
    { title: 'two clients, the same repository, one streamed PUT each', repositories: ['race/mono', 'race/mono'], mode: 'monolithic' },
    { title: 'three clients, two repositories, one streamed PUT each', repositories: ['race/gamma', 'race/delta', 'race/gamma'], mode: 'monolithic' },
  ];

  for (const scenario of scenarios) {
    it(scenario.title, async () => {
      const layer = randomBlob(LAYER_SIZE);
      const clients: Client[] = scenario.repositories.map((name) => ({ name, agent: new Agent({ keepAlive: true, maxSockets: 1 }) }));
      try {
        const finals = scenario.mode === 'chunked'
          ? await pushChunkedInLockStep(base, clients, layer)
          : await pushMonolithicTogether(base, clients, layer);
        finals.forEach((response, index) => {
          assert.equal(response.status, 201, `client ${index} (${clients[index]?.name}): ${describeResponse(response)}`);
          assert.equal(header(response, 'docker-content-digest'), layer.digest);
        });
      } finally {
        for (const client of clients) client.agent.destroy();
      }
      pushed.push(layer);
      await assertStoredOnce(registry.storageRoot!, layer, [...new Set(scenario.repositories)], pushed);

      for (const name of new Set(scenario.repositories)) {
        const pulled = await send(base, 'GET', `/v2/${name}/blobs/${layer.digest}`);
        assert.equal(pulled.status, 200, `GET from ${name}: ${describeResponse(pulled)}`);
        assert.equal(sha256(pulled.body), layer.digest);
      }
    });
  }
});

/** Every client POSTs, then each chunk is PATCHed by all clients at once, then all close at once. */
async function pushChunkedInLockStep(base: string, clients: Client[], layer: Blob): Promise<HttpResponse[]> {
  await Promise.all(clients.map(async (client) => {
    const started = await send(base, 'POST', `/v2/${client.name}/blobs/uploads/`, { headers: { 'Content-Length': 0 }, agent: client.agent });
    assert.equal(started.status, 202, describeResponse(started));
    client.uploadUrl = locationOf(base, started);
  }));
  for (let offset = 0; offset < layer.bytes.length; offset += CHUNK) {
    const chunk = layer.bytes.subarray(offset, offset + CHUNK);
    await Promise.all(clients.map(async (client) => {
      const patched = await send(base, 'PATCH', client.uploadUrl!, {
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': `${offset}-${offset + chunk.length - 1}` },
        body: chunk,
        agent: client.agent,
      });
      assert.equal(patched.status, 202, `PATCH ${offset} (${client.name}): ${describeResponse(patched)}`);
      client.uploadUrl = locationOf(base, patched);
    }));
  }
  return Promise.all(clients.map((client) =>
    send(base, 'PUT', withQuery(client.uploadUrl!, 'digest', layer.digest), { headers: { 'Content-Length': 0 }, agent: client.agent })));
}

/** Every client POSTs, then all stream the whole layer in one PUT at the same time, in small pieces. */
async function pushMonolithicTogether(base: string, clients: Client[], layer: Blob): Promise<HttpResponse[]> {
  await Promise.all(clients.map(async (client) => {
    const started = await send(base, 'POST', `/v2/${client.name}/blobs/uploads/`, { headers: { 'Content-Length': 0 }, agent: client.agent });
    assert.equal(started.status, 202, describeResponse(started));
    client.uploadUrl = locationOf(base, started);
  }));
  return Promise.all(clients.map((client) =>
    send(base, 'PUT', withQuery(client.uploadUrl!, 'digest', layer.digest), {
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': layer.bytes.length },
      body: slowPieces(layer.bytes, 256 * 1024),
      agent: client.agent,
    })));
}

/** Yields to the event loop between pieces so concurrent bodies interleave on the wire. */
async function* slowPieces(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += size) {
    yield bytes.subarray(offset, offset + size);
    await new Promise((resolveTick) => setImmediate(resolveTick));
  }
}

async function assertStoredOnce(root: string, layer: Blob, repositories: string[], allPushed: Blob[]): Promise<void> {
  const files = await walkFiles(root);
  const blobFiles = files.filter((file) => file.startsWith('docker/registry/v2/blobs/'));
  assert.deepEqual(blobFiles, allPushed.map((blob) => blobDataPath(blob.digest)).sort(),
    'the blob store must hold exactly one data file per distinct layer and nothing else');
  assert.equal(await fileDigest(join(root, blobDataPath(layer.digest))), layer.digest, 'stored bytes must match the digest');
  for (const name of repositories) {
    assert.equal((await readText(root, layerLinkPath(name, layer.digest)))?.trim(), layer.digest, `layer link in ${name}`);
  }
  assert.deepEqual(uploadLeftovers(files), [], 'finished uploads must leave nothing in _uploads');
  assert.deepEqual(layoutViolations(files), [], 'files outside the registry:2 layout');
}

function fileDigest(path: string): Promise<string> {
  return new Promise((resolveDigest, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .once('error', reject)
      .once('end', () => resolveDigest(`sha256:${hash.digest('hex')}`));
  });
}
