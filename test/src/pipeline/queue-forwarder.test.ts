import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { endpointQueueName, internalQueueName, InternalConsumer, type RegistryEvent } from '@wharf/events';
import { EventPipeline, PipelineMetrics, QueueCatalog, createRedisConnection, queueRoutes, closeConnection } from '@wharf/queue';
import { makeEvent, PrivateRedis, quietLogger, waitFor, wharfConfig } from './queue-redis.js';

/*
 * Redis down or unreachable must never fail or slow a publish: events stay in the spool and reach
 * every queue once Redis is back, each exactly once, in order.
 */

describe('spool forwarder with Redis stopped and started again', () => {
  let redis: PrivateRedis;
  let spoolDir: string;
  before(async () => {
    redis = await PrivateRedis.start();
    spoolDir = mkdtempSync(join(tmpdir(), 'wharf-forwarder-e2e-'));
  });
  after(async () => {
    await redis.dispose();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  test('events published while Redis is down all arrive once, in order, after it restarts', async () => {
    const config = wharfConfig(
      `redis:\n  addr: 127.0.0.1:${redis.port}\nelasticsearch:\n  urls: [http://127.0.0.1:1]\ndatabase:\n  url: postgres://x:y@127.0.0.1:1/db\n` +
        // an endpoint whose receiver does not exist: its queue is only looked at, not delivered
        `notifications:\n  endpoints:\n    - {name: hook, url: "http://127.0.0.1:1/", ignore: {actions: [pull]}}\n`,
    );
    const metrics = new PipelineMetrics();
    const pipeline = (await EventPipeline.start(config, quietLogger(), { spoolDirectory: spoolDir, metrics, deliverEndpoints: false, drainMs: 2_000 }))!;
    const connection = createRedisConnection(config.redis!, 'producer');
    const catalog = new QueueCatalog(connection, queueRoutes(config));
    const waiting = (name: string) => catalog.queue(name).getWaitingCount().catch(() => -1);
    const indexer = internalQueueName(InternalConsumer.Indexer);
    const hook = endpointQueueName('hook');
    const published: RegistryEvent[] = [];
    const publish = async (count: number, action: 'push' | 'pull' = 'push'): Promise<number> => {
      let slowest = 0;
      for (let i = 0; i < count; i++) {
        const event = makeEvent(published.length, { action: action as RegistryEvent['action'] });
        published.push(event);
        const started = performance.now();
        await pipeline.sink.publish([event]);
        slowest = Math.max(slowest, performance.now() - started);
      }
      return slowest;
    };
    try {
      const firstPublish = Date.now();
      await publish(150);
      await publish(50, 'pull');
      await waitFor(async () => (await waiting(indexer)) === 200, 10_000, () => 'first 200 events not forwarded');
      const allQueued = Date.now(); // every job, the oldest included, was added before this
      assert.equal(await waiting(hook), 150, 'the endpoint ignores pulls, as configured');
      const sinceQueued = Date.now() - allQueued;
      const health = await pipeline.health!.queueHealth(indexer);
      const sinceFirst = Date.now() - firstPublish;
      assert.equal(health.counts.waiting, 200);
      assert.ok(
        health.oldestWaitingAgeMs! >= sinceQueued && health.oldestWaitingAgeMs! <= sinceFirst,
        `oldest waiting job is ${health.oldestWaitingAgeMs} ms old; first publish ${sinceFirst} ms ago, all queued ${sinceQueued} ms ago`,
      );

      await redis.stop();
      const slowestWhileDown = await publish(300);
      assert.ok(slowestWhileDown < 100, `a publish took ${slowestWhileDown.toFixed(1)} ms while Redis was down`);
      await new Promise((resolve) => setTimeout(resolve, 1_500)); // the forwarder retries meanwhile
      assert.ok((await pipeline.metrics.registry.getSingleMetricAsString('wharf_spool_forwarder_redis_up')).endsWith(' 0'), 'the forwarder reports Redis down');
      await redis.start();

      await waitFor(async () => (await waiting(indexer)) >= 500, 20_000, () => 'spooled events not forwarded after the restart');
      await new Promise((resolve) => setTimeout(resolve, 300)); // nothing more may arrive
      for (const name of [indexer, internalQueueName(InternalConsumer.Counter), internalQueueName(InternalConsumer.Deployer)]) {
        const jobs = await catalog.queue(name).getWaiting(0, -1);
        // getWaiting lists the next job to run first
        const ids = jobs.map((job) => (job.data as RegistryEvent).id);
        assert.deepEqual(ids, published.map((e) => e.id), `${name}: every event once, in publish order`);
      }
      assert.equal(await waiting(hook), 450);
      assert.ok((await connection.xlen('wharf:events')) >= 500, 'the replay log holds the events');
    } finally {
      await pipeline.stop();
      await catalog.close();
      await closeConnection(connection);
    }
  });
});
