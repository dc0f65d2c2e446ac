import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { RegistryProcess, type RegistryOptions } from '../support/registry-process.js';
import { Scratch, TOKEN_ISSUER, tokenAuthSections, tokenKeyPair, tokenServerSection, writeHtpasswd } from './auth-fixtures.js';

/*
 * A registry configured for authentication never comes up open: auth files that cannot be used
 * stop start-up with a message naming the key, before the port is opened.
 */
describe('auth configuration that cannot work stops start-up', () => {
  const scratch = new Scratch();
  const pair = tokenKeyPair(scratch);
  const stranger = tokenKeyPair(scratch, 'stranger');
  const htpasswd = scratch.path('htpasswd');
  writeHtpasswd(htpasswd, { bob: 'pw' });
  after(() => scratch.cleanup());

  const refused = async (extraConfig: RegistryOptions['extraConfig'], pattern: RegExp) => {
    await assert.rejects(RegistryProcess.start({ kind: 'wharf', storage: 'inmemory', extraConfig, readyTimeoutMs: 15_000 }), (error: Error) => {
      assert.match(error.message, /exited with/);
      assert.match(error.message, pattern);
      return true;
    });
  };

  test('a missing htpasswd file', async () => {
    await refused({ auth: { htpasswd: { realm: 'r', path: scratch.path('missing') } } }, /auth\.htpasswd\.path: cannot read/);
  });

  test('a rootcertbundle without certificates', async () => {
    const empty = scratch.path('empty.crt');
    writeFileSync(empty, 'not a certificate\n');
    await refused(tokenAuthSections('127.0.0.1:1', { certificate: empty }), /auth\.token\.rootcertbundle: .*holds no PEM certificate/);
  });

  test('a token server certificate the registry does not trust', async () => {
    await refused(
      (host) => ({ ...tokenAuthSections(host, stranger), ...tokenServerSection(pair, htpasswd) }),
      /tokenserver\.certificate: not trusted by auth\.token\.rootcertbundle/,
    );
  });

  test('a token server key that does not match its certificate', async () => {
    await refused(
      (host) => ({ ...tokenAuthSections(host, pair), ...tokenServerSection({ key: stranger.key, certificate: pair.certificate }, htpasswd) }),
      /tokenserver\.key: .*does not belong/,
    );
  });

  test('a token server issuer the registry does not accept', async () => {
    await refused(
      (host) => ({ ...tokenAuthSections(host, pair), tokenserver: { ...(tokenServerSection(pair, htpasswd)['tokenserver'] as object), issuer: `${TOKEN_ISSUER}-other` } }),
      /tokenserver\.issuer: must equal auth\.token\.issuer/,
    );
  });
});
