import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RegistryError } from '../errors/registry-error.js';
import type { Upstream } from './upstream.js';
import { UpstreamRouter } from './upstream-router.js';

const upstream = (label: string) => ({ label }) as Upstream;
const hub = upstream('docker.io');
const ghcr = upstream('ghcr.io');

function route(router: UpstreamRouter, name: string, ns?: string) {
  return router.forPull(name, ns).then((r) => r && { upstream: r.upstream.label, remoteName: r.remoteName, name: r.name });
}

describe('UpstreamRouter', () => {
  const hosted = new Set(['team/own', 'library/local']);
  const mirrors = new UpstreamRouter('mirrors', new Map([['docker.io', hub], ['ghcr.io', ghcr]]), async (name) => hosted.has(name));

  test('containerd ?ns=: the upstream\'s name, cached under the host', async () => {
    assert.deepEqual(await route(mirrors, 'org/app', 'ghcr.io'), { upstream: 'ghcr.io', remoteName: 'org/app', name: 'ghcr.io/org/app' });
    assert.deepEqual(await route(mirrors, 'library/busybox', 'docker.io'), { upstream: 'docker.io', remoteName: 'library/busybox', name: 'docker.io/library/busybox' });
    await assert.rejects(route(mirrors, 'org/app', 'quay.io'), (err: RegistryError) => err.code === 'NAME_UNKNOWN');
  });

  test('a host prefix in the path', async () => {
    assert.deepEqual(await route(mirrors, 'ghcr.io/org/app'), { upstream: 'ghcr.io', remoteName: 'org/app', name: 'ghcr.io/org/app' });
  });

  test('bare names: hosted ones stay here, the rest are Docker Hub\'s', async () => {
    assert.equal(await route(mirrors, 'team/own'), undefined);
    assert.deepEqual(await route(mirrors, 'library/busybox'), { upstream: 'docker.io', remoteName: 'library/busybox', name: 'docker.io/library/busybox' });
    const noHub = new UpstreamRouter('mirrors', new Map([['ghcr.io', ghcr]]), async () => false);
    assert.equal(await route(noHub, 'library/busybox'), undefined);
  });

  test('writes: refused into caches, allowed for bare names even with a Docker Hub mirror', () => {
    assert.throws(() => mirrors.assertWritable('ghcr.io/org/app', undefined), (err: RegistryError) => err.code === 'UNSUPPORTED' && err.status === 405);
    assert.throws(() => mirrors.assertWritable('org/app', 'ghcr.io'), (err: RegistryError) => err.code === 'UNSUPPORTED');
    assert.doesNotThrow(() => mirrors.assertWritable('library/new', undefined));
  });

  test('proxy: every repository is the one upstream\'s, under its own name, and read-only', async () => {
    const proxy = new UpstreamRouter('proxy', new Map([['', hub]]), async () => true);
    assert.deepEqual(await route(proxy, 'library/busybox'), { upstream: 'docker.io', remoteName: 'library/busybox', name: 'library/busybox' });
    assert.throws(() => proxy.assertWritable('anything', undefined), (err: RegistryError) => err.code === 'UNSUPPORTED');
  });

  test('no upstream: nothing is routed and nothing refused', async () => {
    const none = new UpstreamRouter('mirrors', new Map(), async () => false);
    assert.equal(await route(none, 'ghcr.io/org/app', 'ghcr.io'), undefined);
    assert.doesNotThrow(() => none.assertWritable('ghcr.io/org/app', 'ghcr.io'));
  });
});
