import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { HostLookup } from '@wharf/db';
import { HttpWebhookTransport } from './http-webhook.transport.js';

/*
 * The deployer's outbound guard against a real HTTP server on loopback: names are resolved by the
 * transport's own lookup (here given fixed answers) and refused when any address is not public,
 * before any connection; nothing reaches the server unless webhooks.allowprivate.
 */
describe('HttpWebhookTransport: private destinations', () => {
  let server: Server;
  let port = 0;
  let received = 0;
  const lookup: HostLookup = async (host) => {
    const table: Record<string, string[]> = { 'hooks.test': ['127.0.0.1'], 'mixed.test': ['93.184.216.34', '10.0.0.1'] };
    return (table[host] ?? []).map((address) => ({ address, family: 4 }));
  };
  const request = (host: string) => ({ url: `http://${host}:${port}/hook`, headers: { 'content-type': 'application/json' }, body: '{}' });

  before(async () => {
    server = createServer((req, res) => {
      received++;
      req.resume();
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('a name that resolves to loopback is refused after the lookup, and not sent', async () => {
    const result = await new HttpWebhookTransport({ allowPrivate: false, lookup }).post(request('hooks.test'), 5_000);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.refused, true);
    assert.match(!result.ok ? result.error : '', /^refused: hooks\.test: resolves to 127\.0\.0\.1 is a loopback address; .*webhooks\.allowprivate is true$/);
    assert.equal(received, 0);
  });

  test('one private address among public ones is enough to refuse the name', async () => {
    const result = await new HttpWebhookTransport({ allowPrivate: false, lookup }).post(request('mixed.test'), 5_000);
    assert.match(!result.ok ? result.error : '', /^refused: mixed\.test: resolves to 10\.0\.0\.1 is a private address/);
  });

  test('an IP literal is judged without a lookup', async () => {
    for (const host of ['127.0.0.1', '[::ffff:127.0.0.1]', '[::1]']) {
      const result = await new HttpWebhookTransport({ allowPrivate: false, lookup }).post(request(host), 5_000);
      assert.equal(!result.ok && result.refused, true, host);
    }
    assert.equal(received, 0);
  });

  test('with allowprivate the same destination is delivered', async () => {
    const result = await new HttpWebhookTransport({ allowPrivate: true }).post(request('127.0.0.1'), 5_000);
    assert.deepEqual(result.ok && [result.statusCode, result.excerpt], [200, 'ok']);
    assert.equal(received, 1);
  });
});
