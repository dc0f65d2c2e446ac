import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { requiredAccess } from './required-access.js';

describe('requiredAccess', () => {
  const repo = (method: string, route: string, query: Record<string, unknown> = {}) => requiredAccess(method, route, { name: 'team/app' }, query);

  test('reads need pull, writes pull and push, deletes delete (as distribution)', () => {
    assert.deepEqual(repo('GET', '/v2/:name/manifests/:reference'), { kind: 'repository', name: 'team/app', actions: ['pull'] });
    assert.deepEqual(repo('HEAD', '/v2/:name/blobs/:digest'), { kind: 'repository', name: 'team/app', actions: ['pull'] });
    assert.deepEqual(repo('PUT', '/v2/:name/manifests/:reference'), { kind: 'repository', name: 'team/app', actions: ['pull', 'push'] });
    assert.deepEqual(repo('PATCH', '/v2/:name/blobs/uploads/:uuid'), { kind: 'repository', name: 'team/app', actions: ['pull', 'push'] });
    assert.deepEqual(repo('DELETE', '/v2/:name/manifests/:reference'), { kind: 'repository', name: 'team/app', actions: ['delete'] });
    assert.deepEqual(repo('GET', '/v2/:name/tags/list'), { kind: 'repository', name: 'team/app', actions: ['pull'] });
    assert.deepEqual(repo('GET', '/v2/:name/referrers/:digest'), { kind: 'repository', name: 'team/app', actions: ['pull'] });
  });

  test('a mount names its source, or null without from', () => {
    assert.equal(repo('POST', '/v2/:name/blobs/uploads', { mount: 'sha256:x', from: 'other/repo' }).kind, 'repository');
    assert.deepEqual(repo('POST', '/v2/:name/blobs/uploads/', { mount: 'sha256:x', from: 'other/repo' }), {
      kind: 'repository',
      name: 'team/app',
      actions: ['pull', 'push'],
      mountFrom: 'other/repo',
    });
    assert.equal((repo('POST', '/v2/:name/blobs/uploads', { mount: 'sha256:x' }) as { mountFrom?: unknown }).mountFrom, null);
    assert.equal((repo('POST', '/v2/:name/blobs/uploads', { mount: 'sha256:x', from: 'BAD NAME' }) as { mountFrom?: unknown }).mountFrom, null);
  });

  test('base, catalog, and anything else is unknown (refused unless signed in)', () => {
    assert.deepEqual(requiredAccess('GET', '/v2/', {}, {}), { kind: 'base' });
    assert.deepEqual(requiredAccess('GET', '/v2/_catalog', {}, {}), { kind: 'catalog' });
    assert.deepEqual(requiredAccess('GET', '/v2/:name/manifests/:reference', { name: '../etc' }, {}), { kind: 'unknown' });
    assert.deepEqual(requiredAccess('GET', '/somewhere', {}, {}), { kind: 'unknown' });
    assert.deepEqual(requiredAccess('GET', undefined, {}, {}), { kind: 'unknown' });
  });
});
