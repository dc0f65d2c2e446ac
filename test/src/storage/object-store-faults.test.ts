// Wharf on the azure and gcs drivers when the object store fails: the store stopped in the middle of
// an upload (a private emulator instance, so the shared one other suites use stays up), and settings
// it refuses. (Uploads moved between replicas: object-store-registry.test.ts.)
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { azuriteService, createTestStore, fakeGcsStorage, removeTestStore } from '@wharf/storage-drivers/test-servers';
import { describeResponse, errorCodes, send, sha256, type HttpResponse } from '../protocol/oci-http.js';
import { locationOf, patchChunk, slowPatch, startUpload, uploadOffset, withQuery } from '../protocol/oci-operations.js';
import { freePort } from '../support/free-port.js';
import { AZURITE_SCRIPT, FAKE_GCS_SCRIPT, PrivateService } from '../support/private-service.js';
import { RegistryProcess, type RegistryOptions } from '../support/registry-process.js';

const MiB = 1024 * 1024;
/** How long a client, or the health report, may take to hear that storage is down: a few retries, never a hang. */
const ANSWER_BOUND_MS = 20_000;

type Kind = 'azure' | 'gcs';

/** An emulator of the test's own, with what the test needs to aim a registry at it and look inside. */
interface PrivateStore {
  service: PrivateService;
  /** The driver keys that aim a registry at this instance. */
  driverKeys: Record<string, unknown>;
  create(name: string): Promise<void>;
  /** Every object name in a container or bucket, as the store lists it. */
  names(name: string): Promise<string[]>;
}

async function privateStore(kind: Kind): Promise<PrivateStore> {
  if (kind === 'azure') {
    const service = await PrivateService.launch(AZURITE_SCRIPT);
    const serviceUrl = `http://127.0.0.1:${service.port}/devstoreaccount1`;
    return {
      service,
      driverKeys: { serviceurl: serviceUrl },
      create: async (name) => {
        await azuriteService(serviceUrl).getContainerClient(name).create();
      },
      names: (name) => blobNames(name, serviceUrl),
    };
  }
  const service = await PrivateService.launch(FAKE_GCS_SCRIPT);
  const endpoint = `http://127.0.0.1:${service.port}`;
  return {
    service,
    driverKeys: { endpoint },
    create: async (name) => {
      await fakeGcsStorage(endpoint).createBucket(name);
    },
    names: async (name) => (await fakeGcsStorage(endpoint).bucket(name).getFiles())[0].map((file) => file.name),
  };
}

async function blobNames(container: string, serviceUrl?: string): Promise<string[]> {
  const found: string[] = [];
  for await (const item of azuriteService(serviceUrl).getContainerClient(container).listBlobsFlat()) found.push(item.name);
  return found;
}

/** A registry's answer while its storage is away: an OCI error body with a 5xx status. */
function assertStorageError(res: HttpResponse, what: string): void {
  assert.ok(res.status >= 500 && res.status < 600, `${what}: ${describeResponse(res)}`);
  assert.ok((errorCodes(res) ?? []).length > 0, `${what}: an OCI error body, not ${JSON.stringify(res.body.toString('utf8').slice(0, 200))}`);
}

/** registry:2's /debug/health: {} while healthy, else each failing check's name and error. */
async function healthOnce(debug: string): Promise<Record<string, string>> {
  return (await (await fetch(`${debug}/debug/health`, { signal: AbortSignal.timeout(5_000) })).json()) as Record<string, string>;
}

/** Polls /debug/health (bounded) until `wanted` holds; returns the last report. */
async function health(debug: string, wanted: (report: Record<string, string>) => boolean, what: string): Promise<Record<string, string>> {
  const deadline = Date.now() + ANSWER_BOUND_MS;
  let report = await healthOnce(debug);
  while (!wanted(report) && Date.now() < deadline) {
    await sleep(200);
    report = await healthOnce(debug);
  }
  assert.ok(wanted(report), `${what} within ${ANSWER_BOUND_MS} ms; /debug/health said ${JSON.stringify(report)}`);
  return report;
}

/** Waits (bounded) for the registry's log to show `line`: it reaches the test after the answer may. */
async function logged(reg: RegistryProcess, line: RegExp): Promise<void> {
  const deadline = Date.now() + ANSWER_BOUND_MS;
  while (!line.test(reg.logs) && Date.now() < deadline) await sleep(100);
  assert.match(reg.logs, line);
}

for (const kind of ['azure', 'gcs'] as const) {
  describe(`${kind} storage faults`, () => {
    const registries: RegistryProcess[] = [];
    const stores: PrivateStore[] = [];
    after(async () => {
      await Promise.all(registries.map((r) => r.dispose()));
      for (const store of stores) await store.service.dispose();
    });

    async function wharf(options: Omit<RegistryOptions, 'kind' | 'storage'>): Promise<RegistryProcess> {
      const reg = await RegistryProcess.start({ kind: 'wharf', storage: kind, ...options });
      registries.push(reg);
      return reg;
    }

    test('the store stopped in the middle of a chunk: the client gets an OCI error, health names it, the upload resumes once it is back', { timeout: 3 * 60_000 }, async () => {
      const store = await privateStore(kind);
      stores.push(store);
      const bucket = `wharf-outage-${randomBytes(5).toString('hex')}`;
      await store.create(bucket);
      const debugPort = await freePort();
      const debug = `http://127.0.0.1:${debugPort}`;
      const reg = await wharf({
        objectStore: bucket,
        driverKeys: store.driverKeys,
        http: { debug: { addr: `127.0.0.1:${debugPort}` } },
        extraConfig: { health: { storagedriver: { enabled: true, interval: '1s', threshold: 1 } } },
      });

      const name = 'outage/blob';
      const blob = randomBytes(8 * MiB);
      const digest = sha256(blob);
      const upload = await startUpload(reg.url, name);
      const first = await patchChunk(reg.url, upload, blob.subarray(0, 2 * MiB), 0);
      assert.equal(first.status, 202, `first chunk: ${describeResponse(first)}`);

      // a chunk that streams slowly; the store goes away once part of it has gone through
      const chunk = slowPatch(reg.url, locationOf(reg.url, first), blob.subarray(2 * MiB));
      await chunk.sent(3 * MiB);
      await store.service.stop();
      const stoppedAt = Date.now();
      assertStorageError(await chunk.answer, 'the chunk the store went away under');
      assertStorageError(await send(reg.url, 'GET', upload), 'the upload status while the store is down');
      const waited = Date.now() - stoppedAt;
      assert.ok(waited < ANSWER_BOUND_MS, `both answers took ${waited} ms after the store stopped`);
      const check = `storagedriver_${kind}`;
      const down = await health(debug, (report) => check in report, 'the storage check failing');
      // the driver's own words, or the check's deadline (its interval) when the driver's retries outlast it
      assert.match(down[check] ?? '', /ECONNREFUSED|no answer within/, 'the check says what failed');

      await store.service.start();
      await health(debug, (report) => Object.keys(report).length === 0, 'the storage check passing again');
      let offset = await uploadOffset(reg.url, upload);
      assert.ok(offset >= 2 * MiB && offset <= 8 * MiB, `the upload kept at least the first chunk: offset ${offset}`);
      let resumed = await patchChunk(reg.url, upload, blob.subarray(offset), offset);
      if (kind === 'gcs') {
        // fake-gcs-server keeps resumable sessions in memory, so its restart ended the session
        // holding the first bytes (GCS keeps one a week). The next chunk finds it gone: the
        // registry says so, and from then on reports the offset that is true, 0.
        assertStorageError(resumed, `a chunk for a session the store forgot (from ${offset})`);
        await logged(reg, /resumable upload session for \S+ is gone \(HTTP 404\)/);
        offset = await uploadOffset(reg.url, upload);
        assert.equal(offset, 0, 'the offset after the session was lost');
        resumed = await patchChunk(reg.url, upload, blob, 0);
      }
      assert.equal(resumed.status, 202, `resumed chunk from ${offset}: ${describeResponse(resumed)}`);
      const done = await send(reg.url, 'PUT', withQuery(locationOf(reg.url, resumed), 'digest', digest));
      assert.equal(done.status, 201, `PUT ?digest: ${describeResponse(done)}`);
      // through the redirect to the store, as a client pulls
      const pulled = await fetch(`${reg.url}/v2/${name}/blobs/${digest}`);
      assert.equal(pulled.status, 200, `GET the blob: ${pulled.status}`);
      assert.equal(sha256(Buffer.from(await pulled.arrayBuffer())), digest, 'the blob assembled across the outage');
      const names = await store.names(bucket);
      assert.deepEqual(names.filter((n) => n.includes('/_uploads/')), [], `no upload folder is left over: ${names.join(', ')}`);
    });

    if (kind === 'azure') {
      test('a wrong account key stops start-up, naming the account, the container and what Azure said', { timeout: 2 * 60_000 }, async () => {
        const container = await createTestStore('azure', 'badkey');
        try {
          await assert.rejects(
            wharf({ objectStore: container, driverKeys: { accountkey: Buffer.from('not the key').toString('base64') } }),
            new RegExp(`configuration error: storage\\.azure: .*azure: http://127\\.0\\.0\\.1:\\d+/devstoreaccount1 refused the credentials for container ${container}: AuthorizationFailure`),
          );
          assert.deepEqual(await blobNames(container), [], 'nothing was written');
        } finally {
          await removeTestStore('azure', container);
        }
      });
    } else {
      test('a key file that is not there stops start-up, naming it', { timeout: 2 * 60_000 }, async () => {
        // the emulator takes any token, so a key is tried only by reading it
        const missing = join(tmpdir(), `wharf-no-key-${randomBytes(4).toString('hex')}.json`);
        await assert.rejects(
          wharf({ driverKeys: { credentials: {}, keyfile: missing } }),
          new RegExp(`configuration error: storage\\.gcs\\.keyfile: cannot read the key file ${missing.replace(/[.]/g, '\\.')}: ENOENT`),
        );
      });

      test('a bucket that does not exist stops start-up, naming it', { timeout: 2 * 60_000 }, async () => {
        const bucket = `wharf-gone-${randomBytes(5).toString('hex')}`;
        await assert.rejects(wharf({ objectStore: bucket }), new RegExp(`configuration error: storage\\.gcs: .*gcs: bucket ${bucket} does not exist`));
      });
    }
  });
}
