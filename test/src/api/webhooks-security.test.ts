import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { acquireDataSource, type DataSourceLease } from '@wharf/db';
import { RegistryProcess } from '../support/registry-process.js';
import { dropSchema, POSTGRES_URL, sharedPostgres, TEST_HTTP_SECRET, uniqueSchema, WebhookTables } from '../pipeline/deployer-fixtures.js';
import { freePort, PrivateRedis, Receiver, waitFor, wharfConfig } from '../pipeline/queue-redis.js';

/*
 * Webhooks cannot be pointed inward, and their secrets never lie in PostgreSQL in plain text, on a
 * real `wharf serve --roles deployer,api` without webhooks.allowprivate: private destinations are
 * refused when saved (400) and again at delivery time, after DNS resolution (a failed delivery
 * with the reason; the receiver on loopback never hears a thing); the secret column holds
 * ciphertext only. Without api.secret or http.secret no secret can be stored (503 naming the key).
 */

type Json = Record<string, any>;

describe('webhooks: private destinations and secrets at rest', () => {
  let redis: PrivateRedis;
  let receiver: Receiver;
  let wharf: RegistryProcess;
  let keyless: RegistryProcess;
  let tables: WebhookTables;
  let db: DataSourceLease;
  const schema = uniqueSchema();
  const keylessSchema = uniqueSchema();
  let api = '';
  let keylessApi = '';
  const config = () => wharfConfig(`http:\n  secret: ${TEST_HTTP_SECRET}\ndatabase:\n  url: ${POSTGRES_URL}\n  schema: ${schema}\n`);

  before(async () => {
    await sharedPostgres();
    redis = await PrivateRedis.start();
    receiver = await Receiver.start();
    const [apiPort, keylessPort] = [await freePort(), await freePort()];
    api = `http://127.0.0.1:${apiPort}/api`;
    keylessApi = `http://127.0.0.1:${keylessPort}/api`;
    wharf = await RegistryProcess.start({
      kind: 'wharf',
      storage: 'inmemory',
      roles: ['deployer', 'api'],
      readyUrl: `${api}/webhooks`,
      readyTimeoutMs: 60_000,
      http: { secret: TEST_HTTP_SECRET },
      extraConfig: {
        redis: { addr: `127.0.0.1:${redis.port}` },
        database: { url: POSTGRES_URL, schema },
        webhooks: { maxattempts: 3, backoff: '100ms', subscriptioncache: '0s' },
        api: { addr: `127.0.0.1:${apiPort}` },
      },
    });
    keyless = await RegistryProcess.start({
      kind: 'wharf',
      storage: 'inmemory',
      roles: ['api'],
      readyUrl: `${keylessApi}/webhooks`,
      readyTimeoutMs: 60_000,
      extraConfig: { database: { url: POSTGRES_URL, schema: keylessSchema }, api: { addr: `127.0.0.1:${keylessPort}` } },
    });
    tables = await WebhookTables.open(config());
    db = await acquireDataSource(config().database!, { applicationName: 'wharf-test' });
  });

  after(async () => {
    await tables?.release();
    await db?.release();
    await wharf?.dispose();
    await keyless?.dispose();
    await receiver?.close();
    await redis?.dispose();
    await dropSchema(config());
    await dropSchema(wharfConfig(`database:\n  url: ${POSTGRES_URL}\n  schema: ${keylessSchema}\n`));
  });

  async function call(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
    const res = await fetch(`${base}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Json) };
  }

  const port = () => new URL(receiver.url).port;

  test('URLs whose host is or resolves to a loopback, link-local, private or unspecified address are refused when saved', async () => {
    const cases: [string, RegExp][] = [
      [`http://127.0.0.1:${port()}/hook`, /127\.0\.0\.1 is a loopback address/],
      [`http://localhost:${port()}/hook`, /localhost: resolves to (127\.0\.0\.1|::1) is a loopback address/],
      [`http://[::1]:${port()}/hook`, /::1 is a loopback address/],
      [`http://[::ffff:127.0.0.1]:${port()}/hook`, /is a loopback address/],
      [`http://0.0.0.0:${port()}/hook`, /0\.0\.0\.0 is an unspecified/],
      [`http://[::]:${port()}/hook`, /:: is an unspecified/],
      ['http://169.254.169.254/latest/meta-data', /a link-local address/],
      ['https://10.20.30.40/hook', /a private address/],
      ['https://[fd12::1]/hook', /a unique-local/],
    ];
    for (const [url, reason] of cases) {
      const r = await call(api, 'POST', '/webhooks', { name: 'inward', url });
      assert.equal(r.status, 400, `${url} → ${r.status} ${JSON.stringify(r.json)}`);
      assert.equal(r.json['error'], 'Bad Request');
      assert.match(r.json['message'], /^url: /);
      assert.match(r.json['message'], reason, url);
      assert.match(r.json['message'], /unless webhooks\.allowprivate is true/);
    }
    assert.equal(receiver.requests.length, 0);
  });

  test('an allowed URL may not be changed to a private one', async () => {
    const created = await call(api, 'POST', '/webhooks', { name: 'public', url: 'http://93.184.216.34/hook' });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const patched = await call(api, 'PATCH', `/webhooks/${created.json['id']}`, { url: `http://127.0.0.1:${port()}/hook` });
    assert.equal(patched.status, 400);
    assert.match(patched.json['message'], /^url: 127\.0\.0\.1: 127\.0\.0\.1 is a loopback address/);
    assert.equal((await call(api, 'GET', `/webhooks/${created.json['id']}`)).json['url'], 'http://93.184.216.34/hook');
  });

  test('at delivery time a name resolving inward is refused after DNS: a failed delivery with the reason, not retried, nothing sent', async () => {
    // a row saved past the API's check: an older version's, or a name that pointed elsewhere then
    const row = await tables.subscribe(`http://localhost:${port()}/hook`, { name: 'rebound' });
    const ping = await call(api, 'POST', `/webhooks/${row.id}/ping`);
    assert.equal(ping.status, 202);
    let items: Json[] = [];
    await waitFor(
      async () => {
        items = (await call(api, 'GET', `/webhooks/${row.id}/deliveries`)).json['items'] as Json[];
        return items.length > 0;
      },
      15_000,
      () => 'no delivery attempt was logged',
    );
    assert.equal(items[0]!['success'], false);
    assert.equal(items[0]!['statusCode'], null);
    assert.match(items[0]!['error'], /^refused: localhost: resolves to (127\.0\.0\.1|::1) is a loopback address; .*webhooks\.allowprivate is true/);
    await sleep(1_000); // the retry backoff is 100 ms: a retry would have happened by now
    assert.equal(((await call(api, 'GET', `/webhooks/${row.id}/deliveries`)).json['items'] as Json[]).length, 1, 'a refusal is not retried');
    assert.equal(receiver.requests.length, 0, 'the receiver on loopback got nothing');
    const subscription = (await call(api, 'GET', `/webhooks/${row.id}`)).json;
    assert.match(subscription['health']['lastError'], /^refused: /);
  });

  test('PostgreSQL holds the secret encrypted only; the API still shows its hint', async () => {
    const secret = 'a-secret-that-must-never-be-stored-0123';
    const created = await call(api, 'POST', '/webhooks', { name: 'at rest', url: 'http://93.184.216.34/at-rest', secret });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const [stored] = (await db.dataSource.query('SELECT secret FROM webhook_subscriptions WHERE id = $1', [created.json['id']])) as { secret: string }[];
    assert.match(stored!.secret, /^wharf-aes256gcm:v1:/);
    assert.ok(!stored!.secret.includes(secret) && !Buffer.from(stored!.secret.slice(19), 'base64url').toString('latin1').includes(secret));
    const rotated = 'a-rotated-secret-never-stored-either-42';
    assert.equal((await call(api, 'PATCH', `/webhooks/${created.json['id']}`, { secret: rotated })).status, 200);
    const all = (await db.dataSource.query('SELECT secret FROM webhook_subscriptions')) as { secret: string }[];
    for (const { secret: value } of all) {
      assert.match(value, /^wharf-aes256gcm:v1:/);
      assert.ok(!value.includes(rotated) && !value.includes(secret));
    }
    assert.equal((await call(api, 'GET', `/webhooks/${created.json['id']}`)).json['secretHint'], '…r-42');
  });

  test('without api.secret or http.secret no subscription (and so no secret) is stored: 503 naming the key', async () => {
    const r = await call(keylessApi, 'POST', '/webhooks', { name: 'x', url: 'http://93.184.216.34/hook' });
    assert.equal(r.status, 503, JSON.stringify(r.json));
    assert.match(r.json['message'], /set api\.secret/);
    assert.deepEqual((await call(keylessApi, 'GET', '/webhooks')).json['items'], []);
  });
});
