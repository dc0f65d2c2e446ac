import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RegistryEvent } from '@wharf/events';
import { OCI_MANIFEST, pushImage } from '../protocol/oci-operations.js';
import { run } from '../support/exec.js';
import { goTool } from '../support/tools.js';
import { WharfProcess } from './counter-harness.js';
import { elasticsearchYaml, EventIndexProbe, sharedElasticsearch, uniqueIndexPrefix } from './indexer-harness.js';
import { freePort, PrivateRedis, waitFor } from './queue-redis.js';

/*
 * End to end through the real registry: one `wharf serve --roles registry,indexer,api` process (its
 * own Redis, its own index prefix in the shared Elasticsearch). A push over the OCI API and a pull
 * by crane become events that the events API finds within seconds.
 */

type Json = Record<string, any>;

describe('registry → queue → indexer → events API', () => {
  let redis: PrivateRedis;
  let wharf: WharfProcess;
  let probe: EventIndexProbe;
  let registry = '';
  let api = '';

  before(async () => {
    const esUrl = await sharedElasticsearch();
    redis = await PrivateRedis.start();
    const indexPrefix = uniqueIndexPrefix();
    probe = new EventIndexProbe(esUrl, indexPrefix);
    const [registryPort, apiPort] = [await freePort(), await freePort()];
    registry = `127.0.0.1:${registryPort}`;
    api = `http://127.0.0.1:${apiPort}/api`;
    const yaml =
      `version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: true\nstorage:\n  inmemory:\nhttp:\n  addr: ${registry}\n` +
      `redis:\n  addr: 127.0.0.1:${redis.port}\n${elasticsearchYaml(esUrl, indexPrefix)}api:\n  addr: 127.0.0.1:${apiPort}\n`;
    wharf = new WharfProcess(yaml, 'registry,indexer,api', 'wharf api listening');
    await wharf.start();
  });

  after(async () => {
    await wharf?.dispose();
    await redis?.dispose();
    await probe?.dispose();
  });

  async function search(query: string): Promise<RegistryEvent[]> {
    const res = await fetch(`${api}/events?size=200&sort=asc&${query}`, { signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as Json;
    assert.equal(res.status, 200, JSON.stringify(body));
    return body['events'] as RegistryEvent[];
  }

  test('a push and a crane pull are searchable within seconds, by repository, digest and client', async () => {
    const image = await pushImage(`http://${registry}`, 'e2e/search-me', 'v1');
    const pushedAt = Date.now();
    const manifest = await run(goTool('crane'), ['manifest', '--insecure', `${registry}/e2e/search-me:v1`], { timeoutMs: 30_000 });
    assert.equal(manifest.stdout.trim(), image.manifest.toString());

    // the config and layer blob pushes, the manifest push and crane's manifest pull
    let events: RegistryEvent[] = [];
    await waitFor(
      async () => {
        events = await search('repository=e2e/search-me');
        return events.some((e) => e.action === 'pull');
      },
      10_000,
      () => `found ${JSON.stringify(events.map((e) => [e.action, e.target.mediaType]))}\n${wharf.logs.slice(-2_000)}`,
    );
    const searchableAfterMs = Date.now() - pushedAt;
    assert.ok(searchableAfterMs < 10_000, `searchable after ${searchableAfterMs} ms`);

    const manifestEvents = events.filter((e) => e.target.mediaType === OCI_MANIFEST);
    assert.deepEqual(
      manifestEvents.map((e) => [e.action, e.target.tag, e.target.digest]),
      [
        ['push', 'v1', image.digest],
        ['pull', 'v1', image.digest],
      ],
    );
    const blobPushes = events.filter((e) => e.action === 'push' && e.target.mediaType !== OCI_MANIFEST).map((e) => e.target.digest).sort();
    assert.deepEqual(blobPushes, [image.config.digest, image.layer.digest].sort());

    // free text: the digest finds both manifest events; crane's user agent finds its pull
    const byDigest = await search(`q=${encodeURIComponent(image.digest)}`);
    assert.deepEqual(byDigest.map((e) => e.action).sort(), ['pull', 'push']);
    const byClient = await search(`q=go-containerregistry&repository=e2e/search-me`);
    assert.deepEqual(byClient.map((e) => [e.action, e.target.digest]), [['pull', image.digest]]);

    // the stored envelope is what the registry emitted, and the id lookup returns it
    const pull = manifestEvents[1]!;
    assert.match(pull.request.addr, /^127\.0\.0\.1:\d+$/);
    const res = await fetch(`${api}/events/${pull.id}`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), pull);
    const doc = await probe.document(pull.id);
    assert.equal(doc?.['_source']['clientIp'], '127.0.0.1');
  });
});
