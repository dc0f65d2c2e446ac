import assert from 'node:assert/strict';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { RegistryEvent } from '@wharf/events';
import { docker, dockerPush, dockerRemoveImage, dockerRunOutput } from '../support/docker-cli.js';
import { run } from '../support/exec.js';
import { buildImage, uniqueName } from '../support/images.js';
import { RegistryProcess } from '../support/registry-process.js';
import { repoRoot } from '../support/tools.js';
import { freePort, Receiver, SHARED_REDIS_PORT, waitFor } from './queue-redis.js';

/*
 * The whole product as a user runs it: one `wharf serve --roles registry,indexer,counter,deployer,api`
 * on real Redis, PostgreSQL and Elasticsearch, driven by the real Docker engine. A push and a pull
 * become searchable events, the pull counts exactly one download, and a subscribed CI/CD receiver
 * gets one correctly signed POST for the push.
 */
describe('docker push and pull through the whole stack', () => {
  const run_id = randomBytes(4).toString('hex');
  const repo = `stack/app-${run_id}`;
  let registry: RegistryProcess;
  let receiver: Receiver;
  let api = '';
  let secret = '';
  let pushedDigest = '';
  let localRef = '';

  before(async () => {
    for (const service of ['redis', 'postgres', 'elasticsearch']) {
      await run('bash', [`${repoRoot}scripts/${service}.sh`, 'start'], { timeoutMs: 180_000 });
    }
    receiver = await Receiver.start();
    const apiPort = await freePort();
    api = `http://127.0.0.1:${apiPort}/api`;
    registry = await RegistryProcess.start({
      roles: ['registry', 'indexer', 'counter', 'deployer', 'api'],
      readyTimeoutMs: 60_000,
      extraConfig: {
        redis: { addr: `127.0.0.1:${SHARED_REDIS_PORT}` },
        notifications: { events: { includereferences: true } },
        elasticsearch: { urls: ['http://127.0.0.1:9209'], indexprefix: `stack-${run_id}` },
        database: { url: 'postgres://wharf:wharf@127.0.0.1:5439/wharf_test', schema: `stack_${run_id}` },
        // the receiver is on loopback; api.secret keys the encryption of webhook secrets
        webhooks: { allowprivate: true },
        api: { addr: `127.0.0.1:${apiPort}`, secret: 'full-stack-api-secret-0123456789abcdef' },
      },
    });
    await waitFor(async () => (await fetch(`${api}/queues`).catch(() => undefined))?.ok === true, 60_000, () => `api not up: ${registry.logs}`);
  });

  after(async () => {
    await registry?.dispose();
    await receiver?.close();
    if (localRef) await dockerRemoveImage(localRef);
  });

  test('a subscription for the repository is created through the API', async () => {
    const response = await fetch(`${api}/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'deploy app', url: receiver.url, format: 'deploy', filters: { actions: ['push'], repository: repo } }),
    });
    const body = (await response.json()) as { id: string; secret: string };
    assert.equal(response.status, 201, JSON.stringify(body));
    assert.ok(body.secret.length >= 16, 'a generated secret is returned once');
    secret = body.secret;
    // The deployer rereads subscriptions every webhooks.subscriptioncache (2 s by default).
    await new Promise((resolve) => setTimeout(resolve, 2_500));
  });

  test('docker push, rmi, pull and run through Wharf', async () => {
    const message = `hello from ${run_id}`;
    localRef = `wharf-local/${uniqueName('stack')}:v1`;
    await buildImage(localRef, message);
    const remote = `${registry.host}/${repo}:v1`;
    await docker(['tag', localRef, remote]);
    pushedDigest = await dockerPush(remote);
    await dockerRemoveImage(remote);
    await dockerRemoveImage(localRef);
    await docker(['pull', remote]);
    assert.equal((await dockerRunOutput(remote)).trim(), message);
    await dockerRemoveImage(remote);
  });

  test('the push and the pull are found by searching', async () => {
    const search = async (query: string) => (await (await fetch(`${api}/events?${query}`)).json()) as { events: RegistryEvent[]; total: number };
    await waitFor(
      async () => {
        const { events } = await search(`repository=${encodeURIComponent(repo)}&size=200`);
        const manifests = events.filter((e) => e.target.digest === pushedDigest);
        return manifests.some((e) => e.action === 'push' && e.target.tag === 'v1') && manifests.some((e) => e.action === 'pull' && e.request.method === 'GET');
      },
      30_000,
      () => `events for ${repo} not searchable yet`,
    );
    const byText = await search(`q=${encodeURIComponent(pushedDigest)}&action=push`);
    assert.ok(byText.events.every((e) => e.action === 'push'));
    assert.ok(byText.events.some((e) => e.target.repository === repo), 'free text finds the manifest digest');
  });

  test('the pull counts exactly one download', async () => {
    const url = `${api}/repositories/${repo}`;
    await waitFor(async () => ((await (await fetch(url)).json()) as { pulls?: number }).pulls === 1, 30_000, () => `no download counted for ${repo}`);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const counters = (await (await fetch(url)).json()) as { pulls: number; pushes: number };
    assert.equal(counters.pulls, 1, 'one docker pull is one download');
    assert.equal(counters.pushes, 1);
  });

  test('the subscribed receiver gets one signed POST for the push', async () => {
    await waitFor(() => receiver.requests.length >= 1, 30_000, () => 'no webhook delivery');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(receiver.requests.length, 1, 'one delivery for one push');
    const [delivery] = receiver.requests;
    const timestamp = String(delivery!.headers['x-wharf-timestamp']);
    const signature = String(delivery!.headers['x-wharf-signature']);
    // The documented recipe, computed here independently: HMAC-SHA256(secret, "<timestamp>.<body>").
    const expected = createHmac('sha256', secret).update(`${timestamp}.${delivery!.body}`).digest();
    const given = Buffer.from(signature.replace(/^sha256=/, ''), 'hex');
    assert.ok(given.length === expected.length && timingSafeEqual(given, expected), 'signature verifies');
    assert.ok(Math.abs(Date.now() / 1000 - Number(timestamp)) < 300, 'fresh timestamp');
    const payload = JSON.parse(delivery!.body) as { image: string; repository: string; tag: string; digest: string };
    assert.equal(payload.repository, repo);
    assert.equal(payload.tag, 'v1');
    assert.equal(payload.digest, pushedDigest);
    assert.match(payload.image, new RegExp(`/${repo}:v1@${pushedDigest}$`));
  });
});
