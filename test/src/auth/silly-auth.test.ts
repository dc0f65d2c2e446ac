import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RegistryProcess, type RegistryKind } from '../support/registry-process.js';

/*
 * auth.silly (development only) behaves as registry:2's: checked side by side with docker-registry
 * on the same requests: no Authorization → 401 with a Bearer challenge naming realm, service and
 * the scope; any Authorization → allowed.
 */
describe('silly auth: Wharf answers as docker-registry does', () => {
  const registries: Partial<Record<RegistryKind, RegistryProcess>> = {};
  const silly = { silly: { realm: 'http://auth.example/token', service: 'silly-service' } };

  before(async () => {
    for (const kind of ['reference', 'wharf'] as const) registries[kind] = await RegistryProcess.start({ kind, storage: 'inmemory', extraConfig: { auth: silly } });
  });
  after(async () => {
    for (const reg of Object.values(registries)) await reg?.dispose();
  });

  const cases: { method: string; path: string; auth?: string }[] = [
    { method: 'GET', path: '/v2/' },
    { method: 'GET', path: '/v2/', auth: 'anything at all' },
    { method: 'GET', path: '/v2/_catalog' },
    { method: 'GET', path: '/v2/_catalog', auth: 'Bearer x' },
    { method: 'GET', path: '/v2/team/app/manifests/latest' },
    { method: 'GET', path: '/v2/team/app/manifests/latest', auth: 'Basic Zm9vOmJhcg==' },
    { method: 'POST', path: '/v2/team/app/blobs/uploads/' },
    { method: 'POST', path: '/v2/team/app/blobs/uploads/', auth: 'x' },
    { method: 'DELETE', path: '/v2/team/app/manifests/sha256:' + '0'.repeat(64) },
    { method: 'GET', path: '/v2/team/app/tags/list' },
  ];

  for (const c of cases) {
    test(`${c.method} ${c.path} ${c.auth ? 'with' : 'without'} Authorization`, async () => {
      const answers: Record<string, { status: number; challenge: string | null; code: string | undefined }> = {};
      for (const kind of ['reference', 'wharf'] as const) {
        const res = await fetch(`${registries[kind]!.url}${c.path}`, { method: c.method, headers: c.auth ? { Authorization: c.auth } : {} });
        const text = await res.text();
        let code: string | undefined;
        try {
          code = (JSON.parse(text) as { errors?: { code: string }[] }).errors?.[0]?.code;
        } catch {
          code = undefined;
        }
        answers[kind] = { status: res.status, challenge: res.headers.get('www-authenticate'), code };
      }
      assert.deepEqual(answers['wharf'], answers['reference']);
      if (!c.auth) {
        assert.equal(answers['wharf']!.status, 401);
        assert.match(answers['wharf']!.challenge ?? '', /^Bearer realm="http:\/\/auth\.example\/token",service="silly-service"/);
      } else {
        assert.notEqual(answers['wharf']!.status, 401);
      }
    });
  }
});
