import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WharfConfig } from '@wharf/config';
import { acquireDataSource } from '@wharf/db';
import { tail } from '../support/exec.js';
import { repoRoot } from '../support/tools.js';
import { deployerYaml, dropSchema, sharedPostgres, signatureVerifies, uniqueSchema } from '../pipeline/deployer-fixtures.js';
import { freePort, PrivateRedis, Receiver, waitFor, wharfConfig } from '../pipeline/queue-redis.js';

/*
 * The webhooks REST API of a real `wharf serve --roles deployer,api` process (PostgreSQL schema and
 * Redis of its own): CRUD, the write-only secret, clear 4xx answers, ping, the delivery log with
 * cursor paging, redelivery, and the failing flag.
 */

type Json = Record<string, any>;

describe('webhooks API (wharf serve --roles deployer,api)', () => {
  let redis: PrivateRedis;
  let receiver: Receiver;
  let wharf: ChildProcess | undefined;
  let config: WharfConfig;
  let api = '';
  let output = '';
  let dir = '';

  before(async () => {
    await sharedPostgres();
    redis = await PrivateRedis.start();
    receiver = await Receiver.start();
    const yaml = deployerYaml(uniqueSchema(), redis.port, { maxattempts: 3, failurethreshold: 2, backoff: '100ms' });
    config = wharfConfig(yaml);
    const port = await freePort();
    api = `http://127.0.0.1:${port}/api`;
    dir = mkdtempSync(join(tmpdir(), 'wharf-webhooks-api-'));
    writeFileSync(join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: info\nstorage:\n  inmemory:\napi:\n  addr: 127.0.0.1:${port}\n${yaml}`);
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
    wharf = spawn(process.execPath, [join(repoRoot, 'bin', 'wharf'), 'serve', join(dir, 'config.yml'), '--roles', 'deployer,api'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    wharf.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    wharf.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    await waitFor(
      async () => {
        if (wharf?.exitCode !== null) throw new Error(`wharf exited: ${tail(output)}`);
        return fetch(`${api}/webhooks`).then((r) => r.status === 200, () => false);
      },
      60_000,
      () => `api not answering: ${tail(output)}`,
    );
  });

  after(async () => {
    if (wharf && wharf.exitCode === null) {
      const gone = new Promise((resolve) => wharf!.once('exit', resolve));
      wharf.kill('SIGTERM');
      await gone;
    }
    await receiver?.close();
    await redis?.dispose();
    if (config !== undefined) await dropSchema(config);
    rmSync(dir, { recursive: true, force: true });
  });

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
    const res = await fetch(`${api}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Json) };
  }

  const hook = (path: string) => receiver.url.replace('/events', path);

  async function deliveriesOf(id: string): Promise<Json[]> {
    const page = await call('GET', `/webhooks/${id}/deliveries?size=100`);
    assert.equal(page.status, 200);
    return page.json['items'] as Json[];
  }

  test('create, read, list, update and delete; the secret is write-only', async () => {
    const created = await call('POST', '/webhooks', { name: 'deploy prod', url: hook('/crud'), filters: { repository: 'team/**', tag: 'v*' } });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const id = created.json['id'] as string;
    const secret = created.json['secret'] as string;
    assert.ok(secret.length >= 32, 'a generated secret comes back once');
    assert.equal(created.json['format'], 'deploy');
    assert.deepEqual(created.json['filters'], { actions: ['push'], repository: 'team/**', tag: 'v*', actor: null, includeBlobs: false });
    assert.equal(created.json['secretHint'], `…${secret.slice(-4)}`);
    assert.deepEqual(created.json['health'], { failing: false, consecutiveFailures: 0, failingSince: null, lastError: null, lastSuccessAt: null, lastFailureAt: null });

    const read = await call('GET', `/webhooks/${id}`);
    assert.equal(read.status, 200);
    assert.ok(!('secret' in read.json) && !JSON.stringify(read.json).includes(secret), 'never returned after creation');
    assert.ok((await call('GET', '/webhooks')).json['items'].some((s: Json) => s['id'] === id));

    const patched = await call('PATCH', `/webhooks/${id}`, { enabled: false, secret: 'rotated-secret-0123456789', filters: { tag: '/^v\\d+$/' }, headers: { Authorization: 'Bearer abc', 'X-Team': 'ops' } });
    assert.equal(patched.status, 200, JSON.stringify(patched.json));
    assert.equal(patched.json['enabled'], false);
    assert.equal(patched.json['filters']['tag'], '/^v\\d+$/');
    assert.equal(patched.json['filters']['repository'], 'team/**', 'keys not sent are kept');
    assert.equal(patched.json['secretHint'], '…6789');
    assert.ok(!JSON.stringify(patched.json).includes('rotated-secret'));
    assert.deepEqual(patched.json['headers'], { Authorization: '[masked]', 'X-Team': 'ops' }, 'credential headers are masked');
    assert.ok(new Date(patched.json['updatedAt']) >= new Date(created.json['updatedAt']));

    const toTemplate = await call('PATCH', `/webhooks/${id}`, { format: 'template', template: { body: '{"ref":"main","inputs":{"tag":"{{tag}}"}}' } });
    assert.equal(toTemplate.status, 200, JSON.stringify(toTemplate.json));
    assert.deepEqual(toTemplate.json['template'], { body: '{"ref":"main","inputs":{"tag":"{{tag}}"}}', contentType: 'application/json' });
    const back = await call('PATCH', `/webhooks/${id}`, { format: 'cloudevents' });
    assert.equal(back.json['template'], null, 'leaving the template format drops the template');

    assert.equal((await call('DELETE', `/webhooks/${id}`)).status, 204);
    assert.equal((await call('GET', `/webhooks/${id}`)).status, 404);
    assert.equal((await call('DELETE', `/webhooks/${id}`)).status, 404);
  });

  test('bad input gets a 400 naming the problem; unknown ids a 404', async () => {
    const bad = async (body: unknown, pattern: RegExp) => {
      const r = await call('POST', '/webhooks', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.status}`);
      assert.match(r.json['message'], pattern, `${JSON.stringify(body)} → ${r.json['message']}`);
    };
    const url = hook('/x');
    await bad({ name: 'a', url: 'ftp://example.com/x' }, /^url: expected an absolute http:\/\/ or https:\/\/ URL/);
    await bad({ name: 'a', url: 'not a url' }, /^url: /);
    await bad({ name: 'a', url: 'http://{{nope}}/' }, /url: unknown placeholder \{\{nope\}\}/);
    await bad({ name: 'a', url, format: 'xml' }, /format: format must be one of distribution, deploy, cloudevents, template/);
    await bad({ name: 'a', url, filters: { repository: 'Team/*' } }, /filters\.repository: a repository glob may hold lower-case/);
    await bad({ name: 'a', url, filters: { tag: '/v(/' } }, /filters\.tag: invalid regular expression/);
    await bad({ name: 'a', url, filters: { actions: ['push', 'build'] } }, /filters\.actions\.1: each action must be one of push, pull, mount, delete/);
    await bad({ name: 'a', url, filters: { actions: [] } }, /filters\.actions: name at least one action/);
    await bad({ name: 'a', url, format: 'template' }, /template: required when format is "template"/);
    await bad({ name: 'a', url, template: { body: '{}' } }, /template: only for format "template"/);
    await bad({ name: 'a', url, format: 'template', template: { body: '{"tag": {{tag}}}' } }, /template\.body: does not render to valid JSON/);
    await bad({ name: 'a', url, format: 'template', template: { body: '{"x":"{{tagg}}"}' } }, /template\.body: unknown placeholder \{\{tagg\}\}/);
    await bad({ name: 'a', url, headers: { 'X-Wharf-Signature': 'x' } }, /headers\.X-Wharf-Signature: set by Wharf/);
    await bad({ name: 'a', url, headers: { 'Bad Header': 'x' } }, /not a valid HTTP header name/);
    await bad({ name: 'a', url, secret: 'short' }, /secret: a secret must be at least 16 characters/);
    await bad({ name: 'a', url, colour: 'red' }, /Unrecognized key: "colour"/);
    await bad({ url }, /name: /);
    await bad('{"name": ', /.+/);

    const missing = '00000000-0000-4000-8000-000000000000';
    for (const [method, path] of [
      ['GET', `/webhooks/${missing}`],
      ['GET', '/webhooks/not-a-uuid'],
      ['PATCH', `/webhooks/${missing}`],
      ['DELETE', `/webhooks/${missing}`],
      ['POST', `/webhooks/${missing}/ping`],
      ['GET', `/webhooks/${missing}/deliveries`],
      ['GET', `/deliveries/${missing}`],
      ['GET', '/deliveries/nope'],
      ['POST', `/deliveries/${missing}/redeliver`],
    ] as const) {
      const r = await call(method, path, method === 'PATCH' ? { enabled: true } : undefined);
      assert.equal(r.status, 404, `${method} ${path} → ${r.status}`);
      assert.match(r.json['message'], /^no webhook (subscription|delivery) with id/);
    }

    const { json } = await call('POST', '/webhooks', { name: 'paging', url });
    for (const query of ['size=1000', 'size=0', 'size=ten', 'cursor=garbage', 'page=2']) {
      const r = await call('GET', `/webhooks/${json['id']}/deliveries?${query}`);
      assert.equal(r.status, 400, `${query} → ${r.status}`);
    }
    const patch = await call('PATCH', `/webhooks/${json['id']}`, { format: 'template' });
    assert.equal(patch.status, 400);
    assert.match(patch.json['message'], /template: required/);
    assert.equal((await call('PATCH', `/webhooks/${json['id']}`, { headers: { Authorization: '[masked]' } })).status, 400, 'a masked value sent back is refused');
  });

  test('ping: delivered, signed and logged like any event', async () => {
    const created = await call('POST', '/webhooks', { name: 'ping me', url: hook('/ping'), format: 'cloudevents', enabled: false });
    const id = created.json['id'] as string;
    const ping = await call('POST', `/webhooks/${id}/ping`);
    assert.equal(ping.status, 202);
    await waitFor(() => receiver.requests.some((r) => r.url === '/ping'), 10_000, () => `no ping: ${tail(output)}`);
    const request = receiver.requests.find((r) => r.url === '/ping')!;
    assert.equal(request.headers['x-wharf-event'], 'ping');
    assert.ok(signatureVerifies(created.json['secret'], request.headers, request.body));
    // signed with the secret PostgreSQL holds only encrypted
    const lease = await acquireDataSource(config.database!, { applicationName: 'wharf-test' });
    const [stored] = (await lease.dataSource.query('SELECT secret FROM webhook_subscriptions WHERE id = $1', [id]).finally(() => lease.release())) as { secret: string }[];
    assert.match(stored!.secret, /^wharf-aes256gcm:v1:/);
    assert.ok(!stored!.secret.includes(created.json['secret']));
    const body = JSON.parse(request.body) as Json;
    assert.equal(body['type'], 'io.wharf.webhook.ping');
    assert.equal(body['id'], ping.json['eventId']);

    await waitFor(async () => (await deliveriesOf(id)).length === 1, 5_000, () => 'ping not logged');
    const [row] = await deliveriesOf(id);
    assert.deepEqual([row!['kind'], row!['action'], row!['success'], row!['statusCode'], row!['eventId']], ['ping', 'ping', true, 200, ping.json['eventId']]);
    assert.equal(row!['id'], request.headers['x-wharf-delivery']);
  });

  test('redelivery: a refused delivery, fixed, delivered again as a new attempt of the same event', async () => {
    let fixed = false;
    receiver.respond = (r) => (r.url === '/redeliver' && !fixed ? 410 : 200);
    const { json } = await call('POST', '/webhooks', { name: 'redeliver', url: hook('/redeliver') });
    const id = json['id'] as string;
    await call('POST', `/webhooks/${id}/ping`);
    await waitFor(async () => (await deliveriesOf(id)).length === 1, 10_000, () => 'no attempt');
    const [failed] = await deliveriesOf(id);
    assert.equal(failed!['success'], false);
    assert.equal(failed!['statusCode'], 410);

    fixed = true;
    const redelivery = await call('POST', `/deliveries/${failed!['id']}/redeliver`);
    assert.equal(redelivery.status, 202);
    assert.equal(redelivery.json['redeliveryOf'], failed!['id']);
    await waitFor(async () => (await deliveriesOf(id)).length === 2, 10_000, () => 'no redelivery');
    const [latest] = await deliveriesOf(id);
    assert.deepEqual([latest!['kind'], latest!['success'], latest!['redeliveryOf'], latest!['eventId']], ['redelivery', true, failed!['id'], failed!['eventId']]);
    const detail = await call('GET', `/deliveries/${latest!['id']}`);
    assert.equal(detail.status, 200);
    assert.equal(detail.json['event']['id'], failed!['eventId']);
    assert.equal(receiver.requests.filter((r) => r.url === '/redeliver').length, 2);
    receiver.respond = () => 200;
  });

  test('a subscription that keeps failing is flagged in the API, stays enabled; deliveries page by cursor', async () => {
    receiver.respond = (r) => (r.url === '/down' ? 503 : 200);
    const { json } = await call('POST', '/webhooks', { name: 'down', url: hook('/down') });
    const id = json['id'] as string;
    await call('POST', `/webhooks/${id}/ping`);
    await call('POST', `/webhooks/${id}/ping`);
    await waitFor(async () => (await deliveriesOf(id)).length === 6, 15_000, () => 'attempts missing');
    const view = (await call('GET', `/webhooks/${id}`)).json;
    assert.equal(view['enabled'], true);
    assert.equal(view['health']['failing'], true);
    assert.equal(view['health']['consecutiveFailures'], 6);
    assert.match(view['health']['lastError'], /HTTP 503/);
    assert.match(output, /WEBHOOK SUBSCRIPTION FAILING/);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; json: Json } = await call('GET', `/webhooks/${id}/deliveries?size=4${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200);
      seen.push(...(page.json['items'] as Json[]).map((d) => d['id'] as string));
      cursor = page.json['nextCursor'];
    } while (cursor !== null);
    assert.equal(seen.length, 6);
    assert.equal(new Set(seen).size, 6, 'no delivery twice across pages');
    receiver.respond = () => 200;
    await sleep(10);
  });

  test('the OpenAPI document describes the webhooks routes', async () => {
    const res = await fetch(`${api}/openapi.json`);
    const doc = (await res.json()) as { paths: Record<string, Json> };
    for (const path of ['/api/webhooks', '/api/webhooks/{id}', '/api/webhooks/{id}/ping', '/api/webhooks/{id}/deliveries', '/api/deliveries/{id}', '/api/deliveries/{id}/redeliver']) {
      assert.ok(doc.paths[path], `${path} documented`);
    }
    assert.ok(doc.paths['/api/webhooks']!['post']['requestBody'], 'the create body is described');
  });
});
