import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WharfConfig } from '@wharf/config';
import { startDeployer } from '@wharf/deployer';
import { EVENT_JOB_NAME, EVENTS_MEDIA_TYPE, EventAction, InternalConsumer, internalQueueName, type RegistryEvent } from '@wharf/events';
import type { RunningRole } from '@wharf/observability';
import { queueJobId } from '@wharf/queue';
import { Queue } from 'bullmq';
import { capturingLogger, deployerConfig, dropSchema, sharedPostgres, signatureVerifies, uniqueSchema, WebhookTables } from './deployer-fixtures.js';
import { deleteKeys, freePort, makeEvent, Receiver, SHARED_REDIS_PORT, sharedRedis, uniquePrefix, waitFor } from './queue-redis.js';

/*
 * apps/deployer against the real PostgreSQL and Redis: events put on `events.deployer` (as the
 * registry's forwarder does) become signed POSTs to a local receiver, filtered, formatted, retried
 * and logged. Each test has its own schema and key prefix.
 */

const INDEX = 'application/vnd.oci.image.index.v1+json';

describe('deployer: webhook deliveries', () => {
  let config: WharfConfig;
  let prefix: string;
  let tables: WebhookTables;
  let deployer: RunningRole | undefined;
  let events: Queue;
  let receiver: Receiver;
  let log: ReturnType<typeof capturingLogger>;

  before(async () => {
    await Promise.all([sharedRedis(), sharedPostgres()]);
  });

  beforeEach(async () => {
    prefix = uniquePrefix();
    config = deployerConfig(uniqueSchema(), SHARED_REDIS_PORT);
    tables = await WebhookTables.open(config);
    receiver = await Receiver.start();
    log = capturingLogger();
    events = new Queue(internalQueueName(InternalConsumer.Deployer), { connection: { host: '127.0.0.1', port: SHARED_REDIS_PORT }, prefix });
  });

  afterEach(async () => {
    await deployer?.stop();
    deployer = undefined;
    await events.close();
    await receiver.close();
    await tables.release();
    await dropSchema(config);
    await deleteKeys(SHARED_REDIS_PORT, prefix);
  });

  async function startRole(): Promise<void> {
    deployer = await startDeployer(config, log.logger, { prefix });
  }

  /** As the registry's forwarder publishes: job data is the event, job id `${id}.deployer`. */
  async function publish(...list: RegistryEvent[]): Promise<void> {
    for (const event of list) await events.add(EVENT_JOB_NAME, event, { jobId: queueJobId(event.id, InternalConsumer.Deployer) });
  }

  const at = (path: string) => receiver.url.replace('/events', path);
  const bodies = (path: string) => receiver.requests.filter((r) => r.url === path).map((r) => JSON.parse(r.body) as Record<string, unknown>);

  test('a push to a subscribed repository becomes one signed POST, logged as delivered', async () => {
    const subscription = await tables.subscribe(receiver.url, { filterRepository: 'test/*' });
    await startRole();
    const event = makeEvent(1, { actor: { name: 'ci-bot' } });
    await publish(event);
    await waitFor(() => receiver.requests.length === 1, 10_000, () => 'no POST');

    const request = receiver.requests[0]!;
    assert.equal(request.method, 'POST');
    assert.ok(signatureVerifies(subscription.secret, request.headers, request.body), 'the signature verifies with the documented recipe');
    assert.ok(!signatureVerifies('another-secret-entirely', request.headers, request.body));
    assert.equal(request.headers['x-wharf-event'], 'push');
    assert.equal(request.headers['x-wharf-event-id'], event.id);
    assert.match(String(request.headers['x-wharf-delivery']), /^[0-9a-f-]{36}$/);
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal((JSON.parse(request.body) as { eventId: string }).eventId, event.id);

    await waitFor(async () => (await tables.attempts(subscription.id)).length === 1, 5_000, () => 'attempt not logged');
    const [row] = await tables.attempts(subscription.id);
    assert.equal(row!.id, request.headers['x-wharf-delivery'], 'X-Wharf-Delivery is the logged attempt');
    assert.deepEqual([row!.success, row!.statusCode, row!.attempt, row!.kind, row!.eventId], [true, 200, 1, 'event', event.id]);
    assert.equal(row!.responseExcerpt, 'ok');
    assert.ok(row!.latencyMs !== null && row!.latencyMs >= 0);
    assert.ok(!('x-wharf-signature' in row!.requestHeaders), 'the signature is not logged');
    assert.equal(row!.requestHeaders['x-wharf-timestamp'], request.headers['x-wharf-timestamp']);
    await sleep(300);
    assert.equal(receiver.requests.length, 1, 'exactly one POST');
  });

  test('filters route by action, repository glob, tag pattern, actor and blob-ness', async () => {
    const subs = {
      any: await tables.subscribe(at('/any')),
      team: await tables.subscribe(at('/team'), { filterRepository: 'team/**' }),
      release: await tables.subscribe(at('/release'), { filterTag: '/^v\\d+\\.\\d+\\.\\d+$/' }),
      glob: await tables.subscribe(at('/glob'), { filterTag: 'rc-*' }),
      bot: await tables.subscribe(at('/bot'), { filterActor: 'ci-*' }),
      deletes: await tables.subscribe(at('/deletes'), { filterActions: ['delete'] }),
      blobs: await tables.subscribe(at('/blobs'), { includeBlobs: true, filterRepository: 'team/**' }),
      off: await tables.subscribe(at('/off'), { enabled: false }),
    };
    void subs;
    await startRole();
    const e = (n: number, repository: string, over: Partial<RegistryEvent> & { tag?: string } = {}) => {
      const base = makeEvent(n, over);
      return { ...base, target: { ...base.target, repository, ...(over.tag === undefined ? {} : { tag: over.tag }), ...(over.target ?? {}) } };
    };
    const list = {
      teamApi: e(1, 'team/api', { tag: 'latest' }),
      teamDeep: e(2, 'team/a/b', { tag: 'v1.2.3', actor: { name: 'ci-bot' } }),
      other: e(3, 'other/x', { tag: 'rc-7', actor: { name: 'alice' } }),
      pull: e(4, 'team/api', { action: EventAction.Pull }),
      del: e(5, 'other/x', { action: EventAction.Delete }),
      layer: e(6, 'team/api', { target: { repository: 'team/api', mediaType: 'application/octet-stream', digest: 'sha256:ff' } }),
    };
    await publish(...Object.values(list));
    // 3 + 2 + 1 + 1 + 1 + 1 + 3 deliveries
    await waitFor(() => receiver.requests.length >= 12, 10_000, () => `${receiver.requests.length} POSTs: ${receiver.requests.map((r) => r.url).join(' ')}`);
    await sleep(500);
    const ids = (path: string) => bodies(path).map((b) => b['eventId']).sort();
    const of = (...keys: (keyof typeof list)[]) => keys.map((k) => list[k].id).sort();
    assert.deepEqual(ids('/any'), of('teamApi', 'teamDeep', 'other'), 'push only, no blobs, by default');
    assert.deepEqual(ids('/team'), of('teamApi', 'teamDeep'));
    assert.deepEqual(ids('/release'), of('teamDeep'));
    assert.deepEqual(ids('/glob'), of('other'));
    assert.deepEqual(ids('/bot'), of('teamDeep'));
    assert.deepEqual(ids('/deletes'), of('del'));
    assert.deepEqual(ids('/blobs'), of('teamApi', 'teamDeep', 'layer'));
    assert.deepEqual(ids('/off'), [], 'a disabled subscription gets nothing');
    assert.equal(receiver.requests.length, 12);
  });

  test('each payload format: registry:2 envelope, deploy, CloudEvents, a GitHub repository_dispatch template', async () => {
    const dispatch = await tables.subscribe(at('/repos/acme/deploy/dispatches'), {
      format: 'template',
      headers: { Authorization: 'Bearer {{secret}}', Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28' },
      bodyTemplate: '{"event_type":"wharf.push","client_payload":{"image":"{{image}}","repository":"{{repository}}","tag":"{{tag}}","digest":"{{digest}}","pushed_by":"{{actor}}"}}',
      contentType: 'application/json',
    });
    await tables.subscribe(at('/distribution'), { format: 'distribution' });
    await tables.subscribe(at('/deploy'), { format: 'deploy' });
    await tables.subscribe(at('/cloudevents'), { format: 'cloudevents' });
    await startRole();

    const base = makeEvent(7, { actor: { name: 'ci "bot"' } });
    const event: RegistryEvent = {
      ...base,
      target: {
        ...base.target,
        mediaType: INDEX,
        tag: 'v2.0.0',
        references: [
          { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 10, digest: 'sha256:a1', platform: { os: 'linux', architecture: 'amd64' } },
          { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 10, digest: 'sha256:a2', platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        ] as never,
      },
    };
    await publish(event);
    await waitFor(() => receiver.requests.length === 4, 10_000, () => `${receiver.requests.length} POSTs`);
    const image = `localhost:5000/${event.target.repository}:v2.0.0@${event.target.digest}`;

    const envelope = receiver.requests.find((r) => r.url === '/distribution')!;
    assert.equal(envelope.headers['content-type'], EVENTS_MEDIA_TYPE);
    assert.deepEqual(JSON.parse(envelope.body), { events: [event] });

    assert.deepEqual(bodies('/deploy')[0], {
      image,
      repository: event.target.repository,
      tag: 'v2.0.0',
      digest: event.target.digest,
      mediaType: INDEX,
      platforms: ['linux/amd64', 'linux/arm64/v8'],
      action: 'push',
      pushedBy: 'ci "bot"',
      pushedAt: event.timestamp,
      eventId: event.id,
    });

    const ce = receiver.requests.find((r) => r.url === '/cloudevents')!;
    assert.equal(ce.headers['content-type'], 'application/cloudevents+json; charset=utf-8');
    const cloud = JSON.parse(ce.body) as Record<string, unknown>;
    assert.deepEqual(
      { ...cloud, data: undefined },
      { specversion: '1.0', id: event.id, source: 'wharf://localhost:5000', type: 'io.wharf.registry.push', subject: `${event.target.repository}:v2.0.0`, time: event.timestamp, datacontenttype: 'application/json', data: undefined },
    );
    assert.deepEqual(cloud['data'], event);

    const gh = receiver.requests.find((r) => r.url === '/repos/acme/deploy/dispatches')!;
    assert.equal(gh.headers['authorization'], `Bearer ${dispatch.secret}`);
    assert.equal(gh.headers['accept'], 'application/vnd.github+json');
    assert.equal(gh.headers['x-github-api-version'], '2022-11-28');
    assert.deepEqual(JSON.parse(gh.body), {
      event_type: 'wharf.push',
      client_payload: { image, repository: event.target.repository, tag: 'v2.0.0', digest: event.target.digest, pushed_by: 'ci "bot"' },
    });
    assert.ok(signatureVerifies(dispatch.secret, gh.headers, gh.body));
    await waitFor(async () => (await tables.attempts(dispatch.id)).length === 1, 5_000, () => 'not logged');
    const [row] = await tables.attempts(dispatch.id);
    assert.equal(row!.requestHeaders['authorization'], '[masked]', 'the token is not in the delivery log');
    assert.ok(!JSON.stringify(row).includes(dispatch.secret), 'the secret appears nowhere in the log');
  });

  test('a failing receiver: retried with growing waits, every attempt logged, flagged failing after 3, never disabled', async () => {
    receiver.respond = () => 500;
    const subscription = await tables.subscribe(receiver.url);
    await startRole();
    await publish(makeEvent(8));
    await waitFor(() => receiver.requests.length === 4, 15_000, () => `${receiver.requests.length} attempts`);
    await waitFor(async () => (await tables.attempts(subscription.id)).length === 4, 5_000, () => 'attempts not logged');
    await sleep(700);
    assert.equal(receiver.requests.length, 4, 'maxattempts 4, then it stops');

    const rows = await tables.attempts(subscription.id);
    assert.deepEqual(rows.map((r) => [r.attempt, r.success, r.statusCode]), [[1, false, 500], [2, false, 500], [3, false, 500], [4, false, 500]]);
    assert.ok(rows.slice(0, 3).every((r) => r.nextAttemptAt !== null) && rows[3]!.nextAttemptAt === null, 'next attempt announced until the last');
    assert.equal(new Set(receiver.requests.map((r) => r.headers['x-wharf-delivery'])).size, 4, 'each attempt has its own delivery id');
    assert.equal(new Set(receiver.requests.map((r) => r.headers['x-wharf-event-id'])).size, 1, 'all of the same event');
    const gaps = receiver.requests.slice(1).map((r, i) => r.at - receiver.requests[i]!.at);
    // backoff 100ms doubling with ±10% jitter: ~100, ~200, ~400
    assert.ok(gaps[0]! >= 85 && gaps[1]! >= 170 && gaps[2]! >= 340, `gaps ${gaps.join(', ')}`);
    assert.ok(gaps[2]! > gaps[0]!, `waits grow: ${gaps.join(', ')}`);

    const after = (await tables.subscriptions.findById(subscription.id))!;
    assert.deepEqual([after.failing, after.enabled, after.consecutiveFailures], [true, true, 4]);
    assert.match(after.lastError ?? '', /HTTP 500/);
    assert.ok(after.failingSince !== null);
    const lines = log.lines();
    assert.equal(lines.filter((l) => l.level === 'error' && /SUBSCRIPTION FAILING/.test(l.msg)).length, 1, 'shouted once, when it crossed the threshold');
    assert.equal(lines.filter((l) => l.level === 'warn' && /will retry/.test(l.msg)).length, 3);
    assert.ok(lines.some((l) => l.level === 'error' && /gave up: out of attempts/.test(l.msg)));

    // still enabled: the next event is attempted; a success clears the flag
    receiver.respond = () => 204;
    await publish(makeEvent(9));
    await waitFor(async () => !(await tables.subscriptions.findById(subscription.id))!.failing, 10_000, () => 'still failing');
    assert.equal((await tables.subscriptions.findById(subscription.id))!.consecutiveFailures, 0);
    assert.ok(log.lines().some((l) => /recovered/.test(l.msg)));
  });

  test('a refused request (404) is not retried', async () => {
    receiver.respond = () => 404;
    const subscription = await tables.subscribe(receiver.url);
    await startRole();
    await publish(makeEvent(10));
    await waitFor(async () => (await tables.attempts(subscription.id)).length === 1, 10_000, () => 'no attempt');
    await sleep(800);
    assert.equal(receiver.requests.length, 1);
    const [row] = await tables.attempts(subscription.id);
    assert.match(row!.error ?? '', /HTTP 404; not retried/);
    assert.equal(row!.nextAttemptAt, null);
  });

  test('a receiver that is down, then comes up, gets the delivery', async () => {
    const port = await freePort();
    config = deployerConfig(config.database!.schema!, SHARED_REDIS_PORT, { maxattempts: 20, backoff: '100ms', maxbackoff: '400ms' });
    const subscription = await tables.subscribe(`http://127.0.0.1:${port}/hook`);
    await startRole();
    const event = makeEvent(11);
    await publish(event);
    await waitFor(async () => (await tables.attempts(subscription.id)).length >= 2, 10_000, () => 'no failed attempts');
    const refused = await tables.attempts(subscription.id);
    assert.ok(refused.every((r) => !r.success && r.statusCode === null && /ECONNREFUSED/.test(r.error ?? '')), JSON.stringify(refused.map((r) => r.error)));

    const got: string[] = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        got.push(body);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      await waitFor(() => got.length === 1, 10_000, () => 'not delivered after the receiver came up');
      assert.equal((JSON.parse(got[0]!) as { eventId: string }).eventId, event.id);
      await waitFor(async () => (await tables.attempts(subscription.id)).some((r) => r.success), 5_000, () => 'success not logged');
      await sleep(500);
      assert.equal(got.length, 1);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('the same event routed twice is delivered once, even after its job left Redis', async () => {
    const subscription = await tables.subscribe(receiver.url);
    await startRole();
    const event = makeEvent(12);
    await publish(event);
    // re-published under another job id (a replay), while and after the first delivery ran
    await events.add(EVENT_JOB_NAME, event, { jobId: `${queueJobId(event.id, InternalConsumer.Deployer)}.replay1` });
    await waitFor(() => receiver.requests.length === 1, 10_000, () => 'no POST');
    await waitFor(async () => (await tables.attempts(subscription.id)).length === 1, 5_000, () => 'not logged');
    const deliveries = new Queue('webhooks.deliveries', { connection: { host: '127.0.0.1', port: SHARED_REDIS_PORT }, prefix });
    try {
      await waitFor(async () => (await deliveries.getCompletedCount()) === 1, 5_000, () => 'delivery job not completed');
      await deliveries.clean(0, 100, 'completed');
      await events.add(EVENT_JOB_NAME, event, { jobId: `${queueJobId(event.id, InternalConsumer.Deployer)}.replay2` });
      await waitFor(async () => (await deliveries.getCompletedCount()) === 1, 5_000, () => 'second delivery job not run');
      const [result] = (await deliveries.getCompleted()).map((j) => j.returnvalue as { status: string; reason?: string });
      assert.deepEqual(result, { status: 'skipped', reason: 'already delivered' });
    } finally {
      await deliveries.close();
    }
    await sleep(300);
    assert.equal(receiver.requests.length, 1);
    assert.equal((await tables.attempts(subscription.id)).length, 1);
  });
});
