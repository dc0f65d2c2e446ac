import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { RegistryEvent } from '@wharf/events';
import { send } from '../protocol/oci-http.js';
import { OCI_MANIFEST, pushImage } from '../protocol/oci-operations.js';
import { run } from '../support/exec.js';
import { RegistryProcess } from '../support/registry-process.js';
import { repoRoot } from '../support/tools.js';
import { freePort, SHARED_REDIS_PORT, waitFor } from './queue-redis.js';

const SERVICES = ['redis', 'postgres', 'elasticsearch'] as const;
type Service = (typeof SERVICES)[number];

async function service(name: Service, action: 'start' | 'stop'): Promise<void> {
  await run('bash', [`${repoRoot}scripts/${name}.sh`, action], { timeoutMs: 180_000 });
}

/*
 * Nothing lost, nothing counted twice: pushes and pulls go on while the registry and the
 * workers are SIGKILLed and restarted, Redis restarts, and PostgreSQL and Elasticsearch are
 * stopped and started again. Afterwards every request is exactly one searchable event and the
 * counters are exact. (Chaos strikes between requests: a request cut mid-flight is retried by its
 * client and is a second request, with its own event.)
 */
describe('no loss, no double count through crashes and outages', () => {
  const id = randomBytes(4).toString('hex');
  const repo = `chaos/app-${id}`;
  const rounds = 12;
  let registry: RegistryProcess;
  let workers: RegistryProcess;
  let api = '';

  before(async () => {
    for (const name of SERVICES) await service(name, 'start');
    const apiPort = await freePort();
    api = `http://127.0.0.1:${apiPort}/api`;
    const shared = {
      redis: { addr: `127.0.0.1:${SHARED_REDIS_PORT}` },
      elasticsearch: { urls: ['http://127.0.0.1:9209'], indexprefix: `chaos-${id}` },
      database: { url: 'postgres://wharf:wharf@127.0.0.1:5439/wharf_test', schema: `chaos_${id}` },
    };
    registry = await RegistryProcess.start({ roles: ['registry'], extraConfig: shared });
    workers = await RegistryProcess.start({
      roles: ['indexer', 'counter', 'api'],
      extraConfig: { ...shared, api: { addr: `127.0.0.1:${apiPort}` } },
      readyUrl: `${api}/queues`,
      readyTimeoutMs: 60_000,
    });
  });

  after(async () => {
    // Whatever happened, leave the shared services running for the next suite.
    for (const name of SERVICES) await service(name, 'start').catch(() => undefined);
    await registry?.dispose();
    await workers?.dispose();
  });

  test(`${rounds} pushes and ${rounds} pulls end as exactly that many events and counts`, async () => {
    const chaos: Record<number, () => Promise<void>> = {
      2: () => registry.crashAndRestart(),
      4: () => workers.crashAndRestart(),
      6: async () => {
        await service('redis', 'stop');
        await service('redis', 'start');
      },
      8: () => service('postgres', 'stop'),
      9: () => service('postgres', 'start'),
      10: () => service('elasticsearch', 'stop'),
      11: () => service('elasticsearch', 'start'),
    };
    const digests: string[] = [];
    for (let round = 0; round < rounds; round++) {
      const image = await pushImage(registry.url, repo, `t${round}`, `${id}-${round}`);
      digests.push(image.digest);
      const pulled = await send(registry.url, 'GET', `/v2/${repo}/manifests/t${round}`, { headers: { Accept: OCI_MANIFEST } });
      assert.equal(pulled.status, 200);
      await chaos[round]?.();
    }

    // Every image is 2 blob pushes + 1 manifest push; every round 1 manifest pull.
    const expectedTotal = rounds * 3 + rounds;
    const events = async (): Promise<{ events: RegistryEvent[]; total: number }> => {
      const response = await fetch(`${api}/events?repository=${encodeURIComponent(repo)}&size=200`);
      return response.ok ? ((await response.json()) as { events: RegistryEvent[]; total: number }) : { events: [], total: -1 };
    };
    await waitFor(async () => (await events()).total >= expectedTotal, 180_000, () => `searchable events for ${repo} still short of ${expectedTotal}`);
    const counters = async () => (await (await fetch(`${api}/repositories/${repo}`)).json()) as { pulls?: number; pushes?: number };
    await waitFor(async () => (await counters()).pulls === rounds, 180_000, () => `counters for ${repo} short of ${rounds} pulls`);
    // Settle: late duplicates, if any, would arrive now.
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    const { events: found, total } = await events();
    assert.equal(total, expectedTotal, 'each request is exactly one event');
    assert.equal(new Set(found.map((e) => e.id)).size, found.length, 'no event indexed twice');
    const manifestPushes = found.filter((e) => e.action === 'push' && e.target.mediaType === OCI_MANIFEST);
    const manifestPulls = found.filter((e) => e.action === 'pull' && e.target.mediaType === OCI_MANIFEST);
    assert.deepEqual(manifestPushes.map((e) => e.target.digest).sort(), [...digests].sort());
    assert.deepEqual(manifestPulls.map((e) => e.target.tag).sort(), Array.from({ length: rounds }, (_, i) => `t${i}`).sort());
    assert.equal(found.filter((e) => e.action === 'push' && e.target.mediaType === 'application/octet-stream').length, rounds * 2);

    const final = await counters();
    assert.equal(final.pulls, rounds, 'one download per pull');
    assert.equal(final.pushes, rounds, 'one push per manifest push');
  });
});
