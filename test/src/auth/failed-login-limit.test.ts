import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RegistryProcess } from '../support/registry-process.js';
import { basic, Scratch, TOKEN_SERVICE, tokenAuthSections, tokenKeyPair, tokenServerSection, writeHtpasswd } from './auth-fixtures.js';

/*
 * failedlogins: after `limit` wrong passwords from one address within `window`, every sign-in from
 * it (the right password too) gets 429 TOOMANYREQUESTS with Retry-After until the window has
 * passed; then the right password works again. Same for Basic on the registry and the token server.
 */
describe('failed sign-ins are rate limited per client', () => {
  const scratch = new Scratch();
  const htpasswd = scratch.path('htpasswd');
  const pair = tokenKeyPair(scratch);
  const WINDOW_S = 3;
  const LIMIT = 5;
  let basicRegistry: RegistryProcess;
  let tokenRegistry: RegistryProcess;

  before(async () => {
    writeHtpasswd(htpasswd, { bob: 'bob-pw' });
    const failedlogins = { limit: LIMIT, window: `${WINDOW_S}s` };
    basicRegistry = await RegistryProcess.start({ kind: 'wharf', storage: 'inmemory', extraConfig: { auth: { htpasswd: { realm: 'limit', path: htpasswd } }, failedlogins } });
    tokenRegistry = await RegistryProcess.start({
      kind: 'wharf',
      storage: 'inmemory',
      extraConfig: (host) => ({ ...tokenAuthSections(host, pair), ...tokenServerSection(pair, htpasswd), failedlogins }),
    });
  });

  after(async () => {
    await basicRegistry?.dispose();
    await tokenRegistry?.dispose();
    scratch.cleanup();
  });

  async function exercise(url: string, name: string): Promise<void> {
    const attempt = (password: string) => fetch(url, { headers: { Authorization: basic('bob', password) } });
    assert.equal((await attempt('bob-pw')).status, 200, `${name}: the right password works at first`);
    for (let i = 0; i < LIMIT; i++) assert.equal((await attempt(`wrong-${i}`)).status, 401, `${name}: wrong password ${i + 1}`);
    const limited = await attempt('wrong-again');
    assert.equal(limited.status, 429, name);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= WINDOW_S, `${name}: Retry-After ${retryAfter}`);
    assert.equal(((await limited.json()) as { errors: { code: string }[] }).errors[0]!.code, 'TOOMANYREQUESTS');
    assert.equal((await attempt('bob-pw')).status, 429, `${name}: the right password is refused while limited`);
    await sleep(retryAfter * 1000 + 200);
    assert.equal((await attempt('bob-pw')).status, 200, `${name}: the right password works once the window has passed`);
  }

  test('Basic on the registry: 401 ×limit, then 429 TOOMANYREQUESTS with Retry-After, then back after the window', { timeout: 30_000 }, async () => {
    await exercise(`${basicRegistry.url}/v2/`, 'htpasswd');
  });

  test('the token server: the same limit on its Basic credentials', { timeout: 30_000 }, async () => {
    await exercise(`${tokenRegistry.url}/auth/token?service=${TOKEN_SERVICE}&scope=repository:a/b:pull`, 'token server');
  });

  test('requests without credentials and malformed headers are not counted as failures', async () => {
    for (let i = 0; i < LIMIT * 2; i++) {
      assert.equal((await fetch(`${basicRegistry.url}/v2/`)).status, 401);
      assert.equal((await fetch(`${basicRegistry.url}/v2/`, { headers: { Authorization: 'Basic ???' } })).status, 401);
    }
    assert.equal((await fetch(`${basicRegistry.url}/v2/`, { headers: { Authorization: basic('bob', 'bob-pw') } })).status, 200);
  });
});
