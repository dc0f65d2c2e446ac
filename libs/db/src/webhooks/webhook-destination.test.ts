import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkedAddresses, checkedLiteral, forbiddenAddressReason, ForbiddenDestinationError, webhookUrlProblem, type HostLookup } from './webhook-destination.js';

const answers =
  (table: Record<string, string[]>): HostLookup =>
  async (host) => {
    const addresses = table[host];
    if (addresses === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

describe('webhook destinations', () => {
  const refused: [string, RegExp][] = [
    ['127.0.0.1', /loopback/],
    ['127.8.9.10', /loopback/],
    ['0.0.0.0', /unspecified/],
    ['10.1.2.3', /private/],
    ['172.16.0.1', /private/],
    ['172.31.255.254', /private/],
    ['192.168.1.1', /private/],
    ['169.254.169.254', /link-local/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['224.0.0.1', /multicast/],
    ['255.255.255.255', /broadcast/],
    ['::1', /loopback/],
    ['::', /unspecified/],
    ['fe80::1', /link-local/],
    ['fd00::1', /unique-local/],
    ['fc12:3456::1', /unique-local/],
    ['::ffff:127.0.0.1', /loopback/],
    ['::ffff:10.0.0.1', /private/],
    ['::ffff:169.254.169.254', /link-local/],
    ['::ffff:0.0.0.0', /unspecified/],
    ['::127.0.0.1', /loopback/],
    ['::7f00:1', /IPv4-compatible/],
    ['64:ff9b::a00:1', /NAT64/],
    ['2002:7f00:1::', /6to4/],
    ['ff02::1', /multicast/],
  ];
  for (const [address, words] of refused) {
    test(`${address} is refused`, () => {
      const reason = forbiddenAddressReason(address);
      assert.ok(reason !== undefined, `${address} passed`);
      assert.match(reason, words);
    });
  }

  for (const address of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
    test(`${address} (public) is allowed`, () => assert.equal(forbiddenAddressReason(address), undefined));
  }

  test('an IP literal in a URL host, brackets and all, is judged without a lookup', () => {
    assert.throws(() => checkedLiteral('[::1]'), (e: Error) => e instanceof ForbiddenDestinationError && /\[::1\]: ::1 is a loopback address; .*webhooks\.allowprivate is true/.test(e.message));
    assert.deepEqual(checkedLiteral('93.184.216.34'), { address: '93.184.216.34', family: 4 });
    assert.equal(checkedLiteral('hooks.example.com'), undefined);
  });

  test('a name is refused when any address it resolves to is not public', async () => {
    const lookup = answers({ 'mixed.test': ['93.184.216.34', '10.0.0.7'], 'public.test': ['93.184.216.34', '2606:4700::1'] });
    await assert.rejects(checkedAddresses('mixed.test', lookup), /mixed\.test: resolves to 10\.0\.0\.7 is a private address/);
    assert.deepEqual(
      (await checkedAddresses('public.test', lookup)).map((a) => a.address),
      ['93.184.216.34', '2606:4700::1'],
    );
  });

  test('every connection asks again: a name that turns inward later (DNS rebinding) is refused then', async () => {
    let answer = '93.184.216.34';
    const lookup: HostLookup = async () => [{ address: answer, family: 4 }];
    assert.equal((await checkedAddresses('rebind.test', lookup))[0]!.address, '93.184.216.34');
    answer = '127.0.0.1';
    await assert.rejects(checkedAddresses('rebind.test', lookup), ForbiddenDestinationError);
  });

  test('the API check of a URL: literal and resolved hosts; placeholders and unknown names are left to delivery time', async () => {
    const lookup = answers({ 'inside.test': ['192.168.0.10'], 'outside.test': ['93.184.216.34'] });
    assert.match((await webhookUrlProblem('http://127.0.0.1:8080/hook', lookup))!, /^127\.0\.0\.1: 127\.0\.0\.1 is a loopback address/);
    assert.match((await webhookUrlProblem('https://[::ffff:7f00:1]/hook', lookup))!, /loopback/);
    assert.match((await webhookUrlProblem('https://inside.test/hook', lookup))!, /inside\.test: resolves to 192\.168\.0\.10 is a private address/);
    assert.equal(await webhookUrlProblem('https://outside.test/hook', lookup), undefined);
    assert.equal(await webhookUrlProblem('https://unknown.test/hook', lookup), undefined);
    assert.equal(await webhookUrlProblem('https://{{repository}}.example.com/hook', lookup), undefined);
  });
});
