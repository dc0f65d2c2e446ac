import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ensureDocker } from '../support/docker-cli.js';
import { RegistryProcess } from '../support/registry-process.js';
import { DockerUser, Scratch, TOKEN_ISSUER, TOKEN_SERVICE, tokenKeyPair, tokenServerSection, writeHtpasswd } from './auth-fixtures.js';

/*
 * auth.token.autoredirect: the challenge's realm is built from the request's Host (and
 * X-Forwarded-Proto) plus autoredirectpath, so one config serves whatever name clients use.
 */
describe('token auth with autoredirect', () => {
  const scratch = new Scratch();
  const pair = tokenKeyPair(scratch);
  const htpasswd = scratch.path('htpasswd');
  const users: DockerUser[] = [];
  let reg: RegistryProcess;

  before(async () => {
    await ensureDocker();
    writeHtpasswd(htpasswd, { bob: 'bob-pw' });
    reg = await RegistryProcess.start({
      kind: 'wharf',
      storage: 'inmemory',
      extraConfig: {
        auth: {
          token: { realm: 'http://ignored.invalid/token', service: TOKEN_SERVICE, issuer: TOKEN_ISSUER, rootcertbundle: pair.certificate, autoredirect: true },
        },
        ...tokenServerSection(pair, htpasswd),
      },
    });
  });

  after(async () => {
    for (const user of users) user.cleanup();
    await reg?.dispose();
    scratch.cleanup();
  });

  test('the realm follows the Host header and X-Forwarded-Proto', async () => {
    const plain = await fetch(`${reg.url}/v2/`);
    assert.equal(plain.headers.get('www-authenticate'), `Bearer realm="http://${reg.host}/auth/token",service="${TOKEN_SERVICE}"`);
    const proxied = await fetch(`${reg.url}/v2/`, { headers: { 'X-Forwarded-Proto': 'https' } });
    assert.equal(proxied.headers.get('www-authenticate'), `Bearer realm="https://${reg.host}/auth/token",service="${TOKEN_SERVICE}"`);
  });

  test('docker login works through the derived realm', { timeout: 120_000 }, async () => {
    const bob = new DockerUser();
    users.push(bob);
    const login = await bob.login(reg.host, 'bob', 'bob-pw');
    assert.equal(login.code, 0, login.stderr);
  });
});
