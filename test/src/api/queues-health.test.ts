import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dockerPush, dockerRemoveImage } from '../support/docker-cli.js';
import { buildImage, uniqueName } from '../support/images.js';
import { RegistryProcess } from '../support/registry-process.js';
import { postgresConfig, sharedPostgres, uniqueSchema } from '../pipeline/counter-harness.js';
import { freePort, PrivateRedis, Receiver, waitFor } from '../pipeline/queue-redis.js';

/*
 * The health an operator reads from GET /api/queues, on `bin/wharf serve --roles registry,counter,api`:
 * the counter drains its queue, no deployer runs (its queue fills up and nothing consumes it), one
 * endpoint answers and one always fails (its events end as dead letters). A docker push feeds them all.
 */
interface QueueHealth {
  name: string;
  kind: 'internal' | 'endpoint';
  counts: { waiting: number; active: number; delayed: number; failed: number; completed: number };
  consumers: { workers: number; paused: boolean; consuming: boolean };
}

describe('queue health for the dashboard', () => {
  let redis: PrivateRedis;
  let good: Receiver;
  let broken: Receiver;
  let wharf: RegistryProcess;
  let api = '';
  let ref = '';

  async function queues(): Promise<Map<string, QueueHealth>> {
    const res = await fetch(`${api}/api/queues`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { queues: QueueHealth[] };
    return new Map(body.queues.map((q) => [q.name, q]));
  }

  before(async () => {
    redis = await PrivateRedis.start();
    good = await Receiver.start();
    broken = await Receiver.start();
    broken.respond = () => 500;
    const database = postgresConfig(await sharedPostgres(), uniqueSchema());
    const apiPort = await freePort();
    api = `http://127.0.0.1:${apiPort}`;
    wharf = await RegistryProcess.start({
      roles: ['registry', 'counter', 'api'],
      readyTimeoutMs: 60_000,
      extraConfig: {
        redis: { addr: `127.0.0.1:${redis.port}` },
        database: { url: database.url, schema: database.schema },
        notifications: {
          endpoints: [
            { name: 'good', url: good.url, timeout: '2s', threshold: 5, backoff: '1s' },
            { name: 'broken', url: broken.url, timeout: '2s', threshold: 100, backoff: '100ms', maxretryage: '300ms' },
          ],
        },
        api: { addr: `127.0.0.1:${apiPort}` },
      },
    });
    await waitFor(async () => (await fetch(`${api}/api/queues`).catch(() => undefined))?.ok === true, 60_000, () => `api not up: ${wharf.logs}`);
    ref = `${wharf.host}/${uniqueName('health/app')}:v1`;
    await buildImage(ref, `health ${ref}`);
    await dockerPush(ref);
  });

  after(async () => {
    if (ref) await dockerRemoveImage(ref).catch(() => undefined);
    await wharf?.dispose();
    await good?.close();
    await broken?.close();
    await redis?.dispose();
  });

  test('every worker and endpoint queue is listed, with who consumes it', async () => {
    const health = await queues();
    assert.deepEqual([...health.keys()].sort(), ['endpoint.broken', 'endpoint.good', 'events.counter', 'events.deployer']);
    assert.equal(health.get('events.counter')!.kind, 'internal');
    assert.equal(health.get('endpoint.good')!.kind, 'endpoint');
    // the counter role and the registry's endpoint delivery run in this process; no deployer does
    for (const name of ['events.counter', 'endpoint.good', 'endpoint.broken']) {
      const { consumers } = health.get(name)!;
      assert.ok(consumers.workers >= 1, `${name}: ${JSON.stringify(consumers)}`);
      assert.deepEqual({ paused: consumers.paused, consuming: consumers.consuming }, { paused: false, consuming: true }, name);
    }
    assert.deepEqual(health.get('events.deployer')!.consumers, { workers: 0, paused: false, consuming: false });
  });

  test('depth and dead letters after a push: drained where consumed, waiting where not, failed where the endpoint fails', async () => {
    let seen = '';
    await waitFor(
      async () => {
        const health = await queues();
        seen = JSON.stringify([...health.values()].map((q) => [q.name, q.counts]));
        const counter = health.get('events.counter')!.counts;
        return (
          counter.completed > 0 &&
          counter.completed === health.get('events.deployer')!.counts.waiting &&
          counter.waiting + counter.active === 0 &&
          health.get('endpoint.good')!.counts.completed > 0 &&
          health.get('endpoint.broken')!.counts.failed > 0 &&
          health.get('events.deployer')!.counts.waiting > 0
        );
      },
      30_000,
      () => `queues did not settle: ${seen}`,
    );
    const health = await queues();
    const pushed = health.get('events.deployer')!.counts.waiting;
    assert.equal(health.get('events.counter')!.counts.completed, pushed, 'the counter consumed every event the deployer queue holds');
    assert.equal(good.requests.length, health.get('endpoint.good')!.counts.completed);
    assert.equal(health.get('endpoint.good')!.counts.failed, 0);
    assert.ok(broken.requests.length > 0, 'the broken endpoint was tried');
  });
});
