import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { QUEUE_PREFIX } from '@wharf/events';
import { ELASTICSEARCH } from '../support/private-service.js';
import { WharfProcess } from './counter-harness.js';
import { EventIndexProbe, IndexerQueue, PrivateElasticsearch, uniqueIndexPrefix } from './indexer-harness.js';
import { freePort, makeEvent, PrivateRedis, waitFor } from './queue-redis.js';

/*
 * The indexer and the events API on a two-node Elasticsearch cluster of the test's own (the shared
 * single node on 9209 is not touched): monthly indices get one replica (auto_expand_replicas 0-1),
 * so when the node holding the current month's primary is killed, the other node's copy takes over
 * and indexing goes on with nothing lost.
 *
 * Two master-eligible nodes cannot outvote each other: Elasticsearch keeps one of them out of the
 * voting configuration, and losing the voter stops the cluster. Production clusters have three
 * master-eligible nodes for that reason. Here the node about to be killed is first excluded from
 * voting (what an operator does before taking a master-eligible node away), so the survivor keeps a
 * master; the kill itself is a crash (SIGKILL) with indexing in full flow.
 */

type Json = Record<string, any>;

const HEAP = '384m';
/** C1 only: these nodes live for a minute, and start in about half the time without the C2 compiler. */
const JAVA_OPTS = '-XX:TieredStopAtLevel=1';
const NODE_START_MS = 300_000;

async function es(url: string, method: string, path: string, body?: unknown): Promise<Json> {
  const res = await fetch(`${url}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
  return text === '' ? {} : (JSON.parse(text) as Json);
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * HTTP ports for the nodes whose transport ports (HTTP + 100, scripts/elasticsearch.sh) are free
 * too and collide with no other node's port.
 */
async function clusterPorts(count: number): Promise<number[]> {
  const taken = new Set<number>();
  const ports: number[] = [];
  for (let tries = 0; ports.length < count && tries < 200; tries++) {
    const port = await freePort();
    if (taken.has(port) || taken.has(port + 100) || !(await bindable(port + 100))) continue;
    ports.push(port);
    taken.add(port).add(port + 100);
  }
  assert.equal(ports.length, count, `found only ${ports.length} of ${count} usable port pairs`);
  return ports;
}

describe('indexer on a two-node Elasticsearch cluster', () => {
  let nodes: PrivateElasticsearch[] = [];
  let redis: PrivateRedis;
  let queue: IndexerQueue;
  let wharf: WharfProcess;
  let probe: EventIndexProbe;
  let api = '';

  before(async () => {
    const ports = await clusterPorts(2);
    const cluster = { WHARF_ES_CLUSTER_PORTS: ports.join(','), WHARF_ES_HEAP: HEAP, WHARF_ES_JAVA_OPTS: JAVA_OPTS };
    nodes = ports.map((port) => new PrivateElasticsearch(port, mkdtempSync(join(tmpdir(), 'wharf-es-cluster-')), { ...ELASTICSEARCH, timeoutMs: NODE_START_MS }, cluster));
    // the cluster forms only once both nodes have found each other: start them together
    await Promise.all(nodes.map((node) => node.start()));
    const health = await es(nodes[0]!.url, 'GET', '/_cluster/health?wait_for_nodes=2&timeout=60s');
    assert.equal(health['number_of_nodes'], 2, `the cluster did not form: ${JSON.stringify(health)}`);

    redis = await PrivateRedis.start();
    queue = new IndexerQueue(redis.config, QUEUE_PREFIX);
    const prefix = uniqueIndexPrefix();
    probe = new EventIndexProbe(nodes[0]!.url, prefix);
    const apiPort = await freePort();
    api = `http://127.0.0.1:${apiPort}/api`;
    const yaml =
      `version: 0.1\nlog:\n  level: info\nstorage:\n  inmemory:\nredis:\n  addr: 127.0.0.1:${redis.port}\n` +
      `elasticsearch:\n  urls: [${nodes.map((node) => node.url).join(', ')}]\n  indexprefix: ${prefix}\napi:\n  addr: 127.0.0.1:${apiPort}\n`;
    wharf = new WharfProcess(yaml, 'indexer,api', 'wharf api listening');
    await wharf.start();
  });

  after(async () => {
    await wharf?.dispose();
    await queue?.close();
    await redis?.dispose();
    for (const node of nodes) await node.dispose();
  });

  /** What the events API reports as the number of events. */
  async function apiTotal(): Promise<number> {
    const res = await fetch(`${api}/events?size=1`, { signal: AbortSignal.timeout(15_000) });
    const body = (await res.json()) as Json;
    assert.equal(res.status, 200, JSON.stringify(body));
    return body['total'] as number;
  }

  test('a node dies mid-indexing: the replica takes over and every event is indexed once', async () => {
    const first = Array.from({ length: 300 }, (_, i) => makeEvent(i));
    await queue.add(first);
    await probe.waitForCount(first.length, 60_000);

    // the current month's index has a copy on each node: the replica auto-expanded to 1
    const index = `${probe.prefix}-events-${new Date().getUTCFullYear()}.${String(new Date().getUTCMonth() + 1).padStart(2, '0')}`;
    await es(nodes[0]!.url, 'GET', `/_cluster/health/${index}?wait_for_status=green&timeout=60s`);
    const shards = (await es(nodes[0]!.url, 'GET', `/_cat/shards/${index}?format=json&h=prirep,state,node`)) as unknown as Json[];
    assert.deepEqual(shards.map((s) => `${s['prirep']} ${s['state']}`).sort(), ['p STARTED', 'r STARTED'], JSON.stringify(shards));
    const primaryNode = shards.find((s) => s['prirep'] === 'p')!['node'] as string;
    const victim = nodes.find((node) => primaryNode === `wharf-dev-${node.port}`)!;
    const survivor = nodes.find((node) => node !== victim)!;
    assert.ok(victim !== undefined, `the primary is on ${primaryNode}, not one of this test's nodes`);

    await es(survivor.url, 'POST', `/_cluster/voting_config_exclusions?node_names=${primaryNode}&timeout=60s`);
    const second = Array.from({ length: 300 }, (_, i) => makeEvent(1_000 + i));
    const feeding = queue.add(second);
    const pid = Number(readFileSync(join(victim.dir, 'elasticsearch.pid'), 'utf8').trim());
    process.kill(pid, 'SIGKILL');
    await feeding;

    const all = [...first, ...second];
    const survivorProbe = new EventIndexProbe(survivor.url, probe.prefix);
    await survivorProbe.waitForCount(all.length, 120_000);
    await queue.drained(60_000);
    const health = await es(survivor.url, 'GET', `/_cluster/health/${index}`);
    assert.equal(health['number_of_nodes'], 1, 'the killed node is gone from the cluster');
    assert.equal(health['active_primary_shards'], 1, `the replica on ${survivor.url} became the primary`);
    assert.equal(await survivorProbe.count(), all.length, 'each event exactly once: no loss, no duplicate');
    for (const event of [first[0]!, second[0]!, second[second.length - 1]!]) {
      assert.ok(await survivorProbe.document(event.id), `event ${event.id} is indexed`);
    }
    // the API's client was given both nodes and now reaches the survivor alone
    let total = -1;
    await waitFor(
      async () => {
        total = await apiTotal().catch(() => -1);
        return total === all.length;
      },
      60_000,
      () => `the events API reports ${total} events, expected ${all.length}`,
    );
    assert.equal((await queue.failed()).length, 0, 'no indexer job failed');
  });
});
