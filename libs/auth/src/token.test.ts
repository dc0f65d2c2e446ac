import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createSecretKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { exportJWK, SignJWT } from 'jose';
import { AccessPolicy } from './access.policy.js';
import { parseCertificates } from './certificate-bundle.js';
import { libtrustKeyId } from './libtrust-key-id.js';
import { grantedAccess } from './token-grant.js';
import { parseScopes } from './token-scope.js';
import { TokenIssuer } from './token.issuer.js';
import { TokenVerifier } from './token.verifier.js';

const dir = mkdtempSync(join(tmpdir(), 'wharf-token-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A key and its self-signed certificate, made by openssl as an operator would. */
function keyPair(name: string, algorithm: 'rsa' | 'ec'): { key: string; cert: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  const newkey = algorithm === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  execFileSync('openssl', ['req', '-x509', '-nodes', ...newkey, '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`], { stdio: 'ignore' });
  return { key, cert };
}

const rsa = keyPair('rsa', 'rsa');
const ec = keyPair('ec', 'ec');
const stranger = keyPair('stranger', 'rsa');
const access = [{ type: 'repository', name: 'team/app', actions: ['pull', 'push'] }];

async function verifier(roots: string[], extra: Partial<Parameters<typeof TokenVerifier.create>[0]> = {}): Promise<TokenVerifier> {
  return TokenVerifier.create({
    issuer: 'wharf-token-server',
    service: 'wharf',
    rootCertificates: roots.flatMap((path) => parseCertificates(readFileSync(path, 'utf8'))),
    algorithms: ['RS256', 'ES256'],
    ...extra,
  });
}

describe('TokenIssuer and TokenVerifier', () => {
  for (const [name, pair] of [['RSA', rsa], ['EC P-256', ec]] as const) {
    test(`${name}: an issued token verifies against the certificate bundle, with its subject and access`, async () => {
      const issuer = await TokenIssuer.fromFiles('wharf-token-server', pair.key, pair.cert, 300_000);
      const issued = await issuer.issue('alice', 'wharf', access);
      assert.equal(issued.expiresIn, 300);
      const verified = await (await verifier([rsa.cert, ec.cert])).verify(issued.token);
      assert.deepEqual(verified, { subject: 'alice', access });
    });
  }

  test('refused: expired, wrong issuer, wrong audience, untrusted signer, tampered, alg none', async () => {
    const issuer = await TokenIssuer.fromFiles('wharf-token-server', rsa.key, rsa.cert, 60_000);
    const v = await verifier([rsa.cert]);
    const expired = await issuer.issue('alice', 'wharf', access, Date.now() - 10 * 60_000);
    await assert.rejects(v.verify(expired.token), /expired/);
    const otherIssuer = await TokenIssuer.fromFiles('someone-else', rsa.key, rsa.cert, 60_000);
    await assert.rejects(v.verify((await otherIssuer.issue('alice', 'wharf', access)).token), /iss/);
    await assert.rejects(v.verify((await issuer.issue('alice', 'another-registry', access)).token), /aud/);
    const strangerIssuer = await TokenIssuer.fromFiles('wharf-token-server', stranger.key, stranger.cert, 60_000);
    await assert.rejects(v.verify((await strangerIssuer.issue('alice', 'wharf', access)).token), /not trusted/);

    const good = (await issuer.issue('bob', 'wharf', [])).token;
    const [h, , s] = good.split('.');
    const forged = Buffer.from(JSON.stringify({ iss: 'wharf-token-server', aud: 'wharf', sub: 'bob', exp: Math.floor(Date.now() / 1000) + 60, access })).toString('base64url');
    await assert.rejects(v.verify(`${h}.${forged}.${s}`), /signature/);
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    await assert.rejects(v.verify(`${none}.${forged}.`), /algorithm|malformed/);
    await assert.rejects(v.verify('not.a.token'), /malformed/);
  });

  test('HS256 signed with the public certificate as the secret (algorithm confusion) is refused', async () => {
    const v = await verifier([rsa.cert], { algorithms: ['RS256', 'HS256'] });
    const token = await new SignJWT({ access })
      .setProtectedHeader({ alg: 'HS256', kid: libtrustKeyId(parseCertificates(readFileSync(rsa.cert, 'utf8'))[0]!.publicKey) })
      .setIssuer('wharf-token-server')
      .setAudience('wharf')
      .setExpirationTime('5m')
      .sign(createSecretKey(readFileSync(rsa.cert)));
    await assert.rejects(v.verify(token));
  });

  test('a kid naming a trusted key (no x5c) verifies, as distribution accepts', async () => {
    const key = createPrivateKey(readFileSync(rsa.key, 'utf8'));
    const kid = libtrustKeyId(parseCertificates(readFileSync(rsa.cert, 'utf8'))[0]!.publicKey);
    const token = await new SignJWT({ access })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuer('wharf-token-server')
      .setAudience(['wharf', 'other'])
      .setSubject('carol')
      .setExpirationTime('5m')
      .sign(key);
    assert.deepEqual(await (await verifier([rsa.cert])).verify(token), { subject: 'carol', access });
  });

  test('a JWKS key verifies tokens that name it by kid', async () => {
    const key = createPrivateKey(readFileSync(ec.key, 'utf8'));
    const jwk = { ...(await exportJWK(parseCertificates(readFileSync(ec.cert, 'utf8'))[0]!.publicKey)), kid: 'k1', alg: 'ES256' };
    const token = await new SignJWT({ access: [] }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer('wharf-token-server').setAudience('wharf').setExpirationTime('5m').sign(key);
    assert.deepEqual(await (await verifier([], { jwks: { keys: [jwk] } })).verify(token), { access: [] });
  });

  test('a malformed access claim makes the token invalid', async () => {
    const key = createPrivateKey(readFileSync(rsa.key, 'utf8'));
    const x5c = [parseCertificates(readFileSync(rsa.cert, 'utf8'))[0]!.raw.toString('base64')];
    const token = await new SignJWT({ access: [{ type: 'repository', name: 5 }] }).setProtectedHeader({ alg: 'RS256', x5c }).setIssuer('wharf-token-server').setAudience('wharf').setExpirationTime('5m').sign(key);
    await assert.rejects((await verifier([rsa.cert])).verify(token), /access claim/);
  });

  test('refresh tokens: verified by their issuer only, never accepted by a registry as an access token', async () => {
    const issuer = await TokenIssuer.fromFiles('wharf-token-server', rsa.key, rsa.cert, 60_000);
    const refresh = await issuer.issueRefreshToken('alice', 'binding-1', 3_600_000);
    assert.deepEqual(await issuer.verifyRefreshToken(refresh), { subject: 'alice', binding: 'binding-1' });
    await assert.rejects((await verifier([rsa.cert])).verify(refresh), /aud/);
    const access = (await issuer.issue('alice', 'wharf', [])).token;
    await assert.rejects(issuer.verifyRefreshToken(access), /not valid/);
    const expired = await issuer.issueRefreshToken('alice', 'b', 1_000, Date.now() - 60_000);
    await assert.rejects(issuer.verifyRefreshToken(expired), /not valid/);
    const other = await TokenIssuer.fromFiles('wharf-token-server', stranger.key, stranger.cert, 60_000);
    await assert.rejects(issuer.verifyRefreshToken(await other.issueRefreshToken('alice', 'binding-1', 3_600_000)), /not valid/);
  });

  test('the certificate must belong to the key', async () => {
    await assert.rejects(TokenIssuer.fromFiles('i', rsa.key, ec.cert, 60_000), /does not belong/);
  });
});

describe('scopes and grants', () => {
  test('parseScopes reads repeated and space-separated scopes, keeps names with slashes, reports junk', () => {
    const { scopes, invalid } = parseScopes(['repository:team/app:pull,push repository(plugin):x/y:pull', 'registry:catalog:*', 'nonsense', 'repository::pull']);
    assert.deepEqual(scopes, [
      { type: 'repository', name: 'team/app', actions: ['pull', 'push'] },
      { type: 'repository', name: 'x/y', actions: ['pull'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
    assert.deepEqual(invalid, ['nonsense', 'repository::pull']);
  });

  const policy = new AccessPolicy({
    groups: {},
    admins: ['root'],
    rules: [
      { repositories: ['public/**'], users: ['anonymous', '*'], actions: ['pull'] },
      { repositories: ['team/*'], users: ['bob'], actions: ['pull', 'push'] },
    ],
  });

  test('a token grants the intersection of the request and the ACL', () => {
    const requested = parseScopes(['repository:team/app:pull,push,delete', 'repository:public/x:pull,push', 'registry:catalog:*', 'repository:secret/x:pull']).scopes;
    assert.deepEqual(grantedAccess(policy, 'bob', requested), [
      { type: 'repository', name: 'team/app', actions: ['pull', 'push'] },
      { type: 'repository', name: 'public/x', actions: ['pull'] },
    ]);
    assert.deepEqual(grantedAccess(policy, undefined, requested), [{ type: 'repository', name: 'public/x', actions: ['pull'] }]);
    assert.deepEqual(grantedAccess(policy, 'root', parseScopes(['registry:catalog:*', 'repository:a/b:*']).scopes), [
      { type: 'registry', name: 'catalog', actions: ['*'] },
      { type: 'repository', name: 'a/b', actions: ['pull', 'push', 'delete'] },
    ]);
  });
});
