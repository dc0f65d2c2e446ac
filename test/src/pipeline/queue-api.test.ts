import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EventPipeline } from '@wharf/queue';
import { tail } from '../support/exec.js';
import { repoRoot } from '../support/tools.js';
import { freePort, makeEvent, PrivateRedis, quietLogger, Receiver, waitFor, wharfConfig } from './queue-redis.js';

/*
 * The queues REST API of a real `wharf serve --roles api` process, over a Redis the registry side
 * (an EventPipeline in this test process) fills: health, dead letters, redelivery, replay, and
 * clear 4xx answers to bad input.
 */

describe('queues API (wharf serve --roles api)', () => {
  let redis: PrivateRedis;
  let receiver: Receiver;
  let pipeline: EventPipeline;
  let api: ChildProcess | undefined;
  let apiUrl = '';
  let output = '';
  let dir = '';
  const failing = new Set<string>();

  before(async () => {
    redis = await PrivateRedis.start();
    receiver = await Receiver.start();
    receiver.respond = (request) => ((JSON.parse(request.body) as { events: { id: string }[] }).events.some((e) => failing.has(e.id)) ? 500 : 204);
    dir = mkdtempSync(join(tmpdir(), 'wharf-queue-api-'));
    const yaml =
      `redis:\n  addr: 127.0.0.1:${redis.port}\n` +
      `notifications:\n  endpoints:\n    - {name: listener, url: "${receiver.url}", threshold: 1, backoff: 100ms, maxretryage: 500ms}\n`;
    pipeline = (await EventPipeline.start(wharfConfig(yaml), quietLogger(), { spoolDirectory: join(dir, 'spool'), drainMs: 500 }))!;

    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}/api`;
    writeFileSync(join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: warn\nstorage:\n  inmemory:\napi:\n  addr: 127.0.0.1:${port}\n${yaml}`);
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
    api = spawn(process.execPath, [join(repoRoot, 'bin', 'wharf'), 'serve', join(dir, 'config.yml'), '--roles', 'api'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    api.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    api.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    await waitFor(
      async () => {
        if (api?.exitCode !== null) throw new Error(`api exited: ${tail(output)}`);
        return fetch(`${apiUrl}/queues`).then(
          (r) => r.status === 200,
          () => false,
        );
      },
      30_000,
      () => `api not answering: ${tail(output)}`,
    );
  });

  after(async () => {
    if (api && api.exitCode === null) {
      const gone = new Promise((resolve) => api!.once('exit', resolve));
      api.kill('SIGTERM');
      await gone;
    }
    await pipeline?.stop();
    await receiver?.close();
    await redis?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  test('GET /api/queues reports depth, latency and the endpoint breaker', async () => {
    await pipeline.sink.publish([makeEvent(1), makeEvent(2)]);
    await waitFor(() => receiver.requests.length >= 2, 10_000, () => 'not delivered');
    await waitFor(async () => ((await call('GET', '/queues')).json['queues'] as { counts: { completed: number } }[])[0]!.counts.completed === 2, 5_000, () => 'completed count');
    const { status, json } = await call('GET', '/queues');
    assert.equal(status, 200);
    const [listener] = json['queues'] as Array<Record<string, any>>;
    assert.equal(listener!['name'], 'endpoint.listener');
    assert.equal(listener!['kind'], 'endpoint');
    assert.deepEqual(listener!['counts'], { waiting: 0, active: 0, delayed: 0, failed: 0, completed: 2, prioritized: 0 });
    assert.equal(listener!['oldestWaitingAgeMs'], null);
    assert.equal(listener!['latencyMs']['samples'], 2);
    assert.equal(listener!['endpoint']['consecutiveFailures'], 0);
    assert.equal(listener!['endpoint']['url'], receiver.url);
  });

  test('dead letters: list, redeliver by id and all; unknown ids reported', async () => {
    const [a, b, c] = [makeEvent(3), makeEvent(4), makeEvent(5)];
    for (const e of [a, b, c]) failing.add(e.id);
    await pipeline.sink.publish([a!, b!, c!]);
    await waitFor(async () => (await call('GET', '/queues/endpoint.listener/dead-letters')).json['total'] === 3, 10_000, () => 'no dead letters');

    const page = await call('GET', '/queues/listener/dead-letters?limit=2&offset=0');
    assert.equal(page.status, 200, 'an endpoint is also found by its configured name');
    const items = page.json['items'] as Array<{ jobId: string; event: { id: string }; failedReason: string }>;
    assert.equal(items.length, 2);
    assert.match(items[0]!.failedReason, /500 Internal Server Error/);

    failing.clear();
    const one = await call('POST', '/queues/endpoint.listener/dead-letters/redeliver', { jobIds: [items[0]!.jobId, 'missing-job'] });
    assert.equal(one.status, 200);
    assert.deepEqual(one.json['notFound'], ['missing-job']);
    assert.equal((one.json['redelivered'] as unknown[]).length, 1);
    const all = await call('POST', '/queues/endpoint.listener/dead-letters/redeliver', { all: true });
    assert.equal(all.status, 200);
    assert.equal((all.json['redelivered'] as unknown[]).length, 2);
    await waitFor(async () => (await call('GET', '/queues/endpoint.listener/dead-letters')).json['total'] === 0, 5_000, () => 'dead letters left');
    await waitFor(() => [a, b, c].every((e) => receiver.acceptedIds().includes(e!.id)), 10_000, () => 'not redelivered');
  });

  test('POST replay re-enqueues the events since a time', async () => {
    const since = new Date().toISOString();
    await pipeline.sink.publish([makeEvent(6), makeEvent(7)]);
    const before = receiver.requests.length;
    await waitFor(() => receiver.requests.length >= before + 2, 10_000, () => 'not delivered');
    const replay = await call('POST', '/queues/endpoint.listener/replay', { since });
    assert.equal(replay.status, 202);
    assert.equal(replay.json['enqueued'], 2);
    await waitFor(() => receiver.requests.length >= before + 4, 10_000, () => 'replay not delivered');
  });

  test('bad input gets a clear 4xx JSON answer', async () => {
    const cases: Array<[string, string, unknown, number, RegExp]> = [
      ['GET', '/queues/nope/dead-letters', undefined, 404, /unknown queue "nope".*endpoint\.listener/],
      ['GET', '/queues/endpoint.listener/dead-letters?limit=1000', undefined, 400, /limit must be at most 100/],
      ['GET', '/queues/endpoint.listener/dead-letters?limit=abc', undefined, 400, /limit must be a whole number/],
      ['GET', '/queues/endpoint.listener/dead-letters?offset=-1', undefined, 400, /offset/],
      ['GET', '/queues/endpoint.listener/dead-letters?colour=red', undefined, 400, /colour/],
      ['POST', '/queues/endpoint.listener/dead-letters/redeliver', {}, 400, /jobIds.*all/],
      ['POST', '/queues/endpoint.listener/dead-letters/redeliver', { jobIds: [] }, 400, /jobIds|all/],
      ['POST', '/queues/endpoint.listener/dead-letters/redeliver', { all: false }, 400, /all/],
      ['POST', '/queues/nope/dead-letters/redeliver', { all: true }, 404, /unknown queue/],
      ['POST', '/queues/endpoint.listener/replay', { since: 'yesterday' }, 400, /since must be an ISO 8601/],
      ['POST', '/queues/endpoint.listener/replay', { since: '2025-01-01T00:00:00' }, 400, /time zone/],
      ['POST', '/queues/endpoint.listener/replay', {}, 400, /since/],
      ['POST', '/queues/endpoint.listener/replay', '{not json', 400, /JSON|json/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const res = await call(method, path, body);
      assert.equal(res.status, status, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(res.json)}`);
      assert.match(String(res.json['message']), message, `${method} ${path} ${JSON.stringify(body)}`);
    }
  });

  test('the OpenAPI document describes the queue routes', async () => {
    const doc = (await (await fetch(`${apiUrl}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    for (const path of ['/api/queues', '/api/queues/{name}/dead-letters', '/api/queues/{name}/dead-letters/redeliver', '/api/queues/{name}/replay']) {
      assert.ok(path in doc.paths, `${path} in openapi.json`);
    }
  });
});
